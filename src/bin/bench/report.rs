//! What the bench prints: one line per scenario, server and round as it runs, then medians
//! and ratios.

use crate::driver::Measured;
use crate::servers::ServerKind;

/// The acceptance against the peer: orgraph at ≥ 1.5× its requests/s, and (but for
/// `lookup`) at ≤ 0.67× its CPU per request, server process and PostgreSQL backends together.
const PEER_RATE_TARGET: f64 = 1.5;
const PEER_CPU_TARGET: f64 = 0.67;

/// One server's run of one scenario in one round.
pub struct Line {
    pub scenario: String,
    pub round: usize,
    pub server: ServerKind,
    pub measured: Measured,
}

const HEADER: &str = "scenario       round server           req/s   p50 ms   p99 ms  stmts errors | \
                      cpu ms/req: server      pg   total  bk | orgraph vs this";

pub fn print_header() {
    println!("{HEADER}");
}

impl Line {
    pub fn new(scenario: &str, round: usize, server: ServerKind, measured: Measured) -> Self {
        Self {
            scenario: scenario.to_owned(),
            round,
            server,
            measured,
        }
    }

    /// Prints the line; `orgraph` is orgraph's run of the same round, for the ratios.
    pub fn print(&self, orgraph: Option<&Measured>) {
        let m = &self.measured;
        // Against the peer: orgraph's requests/s and CPU per request over the peer's. Against
        // the baseline: orgraph's time per request over the baseline's (the inverse ratio of
        // throughputs, as BENCHMARKS.md has always quoted it) and its CPU over the baseline's.
        let ratios = match (orgraph, self.server) {
            (Some(o), ServerKind::PostGraphile) => format!(
                "r/s {:>6} cpu {:>6}",
                times(o.per_second() / m.per_second()),
                times(o.total_ms() / m.total_ms())
            ),
            // What metrics and tracing add: orgraph's time per request over its own without.
            (Some(o), ServerKind::OrgraphBare) => {
                format!("time {:>5}", times(m.per_second() / o.per_second()))
            }
            (Some(o), ServerKind::Baseline) => format!(
                "time {:>5} cpu {:>6}",
                times(m.per_second() / o.per_second()),
                times(o.total_ms() / m.total_ms())
            ),
            _ => String::new(),
        };
        println!(
            "{:<14} {:>5} {:<12} {:>9.0} {:>8.2} {:>8.2} {:>6} {:>6} | {:>18.3} {:>7} {:>7.3} {:>3} | {ratios}",
            self.scenario,
            self.round,
            self.server.label(),
            m.per_second(),
            m.percentile(0.5),
            m.percentile(0.99),
            m.statements
                .map_or_else(|| "-".into(), |s| format!("{s:.1}")),
            m.errors,
            m.server_ms(),
            m.backends_ms()
                .map_or_else(|| "-".into(), |ms| format!("{ms:.3}")),
            m.total_ms(),
            m.usage.backend_count,
        );
    }
}

/// Every line, for the summary.
#[derive(Default)]
pub struct Runs {
    lines: Vec<Line>,
}

impl Runs {
    pub fn push(&mut self, line: Line) {
        self.lines.push(line);
    }

    fn scenarios(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for line in &self.lines {
            if !names.contains(&line.scenario.as_str()) {
                names.push(&line.scenario);
            }
        }
        names
    }

    fn of(&self, scenario: &str, server: ServerKind) -> Vec<&Measured> {
        self.lines
            .iter()
            .filter(|line| line.scenario == scenario && line.server == server)
            .map(|line| &line.measured)
            .collect()
    }

    /// Per round, `ratio` of orgraph's run and `server`'s run of that round.
    fn ratios(
        &self,
        scenario: &str,
        server: ServerKind,
        ratio: impl Fn(&Measured, &Measured) -> f64,
    ) -> Vec<f64> {
        let orgraph = self.of(scenario, ServerKind::Orgraph);
        self.of(scenario, server)
            .iter()
            .zip(&orgraph)
            .map(|(other, orgraph)| ratio(orgraph, other))
            .collect()
    }

    pub fn print_summary(&self, with_peer: bool) {
        println!();
        println!("medians over the rounds:");
        println!(
            "scenario       server           req/s   p50 ms   p99 ms  stmts errors | \
             cpu ms/req: server      pg   total"
        );
        for scenario in self.scenarios() {
            for server in [
                ServerKind::Orgraph,
                ServerKind::OrgraphBare,
                ServerKind::PostGraphile,
                ServerKind::Baseline,
            ] {
                let runs = self.of(scenario, server);
                if runs.is_empty() {
                    continue;
                }
                let of = |figure: &dyn Fn(&Measured) -> f64| {
                    median(runs.iter().map(|m| figure(m)).collect())
                };
                let statements = runs
                    .iter()
                    .map(|m| m.statements)
                    .collect::<Option<Vec<_>>>()
                    .map_or_else(|| "-".into(), |s| format!("{:.1}", median(s)));
                let backends = runs
                    .iter()
                    .map(|m| m.backends_ms())
                    .collect::<Option<Vec<_>>>()
                    .map_or_else(|| "-".into(), |ms| format!("{:.3}", median(ms)));
                println!(
                    "{:<14} {:<12} {:>9.0} {:>8.2} {:>8.2} {:>6} {:>6} | {:>18.3} {:>7} {:>7.3}",
                    scenario,
                    server.label(),
                    of(&|m| m.per_second()),
                    of(&|m| m.percentile(0.5)),
                    of(&|m| m.percentile(0.99)),
                    statements,
                    runs.iter().map(|m| m.errors).sum::<usize>(),
                    of(&|m| m.server_ms()),
                    backends,
                    of(&|m| m.total_ms()),
                );
            }
        }
        println!();
        println!(
            "ratios, each the median of the rounds' own (every round's in brackets); \
             cpu is ms per request of the server process + its PostgreSQL backends:"
        );
        if with_peer {
            println!(
                "{:<14} {:<28} {:<28} {:<7} | {:<28} {:<28}",
                "scenario",
                "orgraph/peer r/s (≥1.5)",
                "orgraph/peer cpu (≤0.67)",
                "target",
                "orgraph/baseline time",
                "orgraph/baseline cpu"
            );
        } else {
            println!(
                "{:<14} {:<28} {:<28}",
                "scenario", "orgraph/baseline time", "orgraph/baseline cpu"
            );
        }
        for scenario in self.scenarios() {
            let peer_rate = self.ratios(scenario, ServerKind::PostGraphile, |o, p| {
                o.per_second() / p.per_second()
            });
            let peer_cpu = self.ratios(scenario, ServerKind::PostGraphile, |o, p| {
                o.total_ms() / p.total_ms()
            });
            // orgraph's time per request over the baseline's at the same concurrency (the
            // inverse ratio of throughputs), as BENCHMARKS.md has always quoted it.
            let base_time = self.ratios(scenario, ServerKind::Baseline, |o, b| {
                b.per_second() / o.per_second()
            });
            let base_cpu = self.ratios(scenario, ServerKind::Baseline, |o, b| {
                o.total_ms() / b.total_ms()
            });
            if peer_rate.is_empty() && base_time.is_empty() {
                continue;
            }
            if with_peer {
                println!(
                    "{:<14} {:<28} {:<28} {:<7} | {:<28} {:<28}",
                    scenario,
                    summary(&peer_rate),
                    summary(&peer_cpu),
                    target(scenario, &peer_rate, &peer_cpu),
                    summary(&base_time),
                    summary(&base_cpu),
                );
            } else {
                println!(
                    "{:<14} {:<28} {:<28}",
                    scenario,
                    summary(&base_time),
                    summary(&base_cpu)
                );
            }
        }
    }
}

impl Runs {
    /// What metrics and tracing cost orgraph per request, per scenario: its time per request
    /// (at the same concurrency, the inverse of its throughput) over that without them, and
    /// the same for its CPU per request, each the median of the rounds' own.
    pub fn print_telemetry_cost(&self) {
        println!();
        println!(
            "metrics + tracing: orgraph's cost per request over orgraph-bare's \
             (ORGRAPH_METRICS=false), the issue's bound is {:.0} % of time per request:",
            TELEMETRY_COST_BOUND * 100.0
        );
        println!("{:<14} {:<28} {:<28} bound", "scenario", "time", "cpu");
        for scenario in self.scenarios() {
            let time = self.ratios(scenario, ServerKind::OrgraphBare, |o, b| {
                b.per_second() / o.per_second()
            });
            if time.is_empty() {
                continue;
            }
            let cpu = self.ratios(scenario, ServerKind::OrgraphBare, |o, b| {
                o.total_ms() / b.total_ms()
            });
            let within = median(time.clone()) - 1.0 <= TELEMETRY_COST_BOUND;
            println!(
                "{:<14} {:<28} {:<28} {}",
                scenario,
                summary(&time),
                summary(&cpu),
                if within { "met" } else { "MISSED" }
            );
        }
    }
}

/// The bound on what metrics and tracing may add to the time per request.
const TELEMETRY_COST_BOUND: f64 = 0.03;

/// Whether the medians meet the acceptance against the peer.
fn target(scenario: &str, rate: &[f64], cpu: &[f64]) -> &'static str {
    let wants_cpu = match scenario {
        "lookup" => false,
        "dashboard" | "members" | "nested" => true,
        _ => return "-",
    };
    if rate.is_empty() {
        return "-";
    }
    let met = median(rate.to_vec()) >= PEER_RATE_TARGET
        && (!wants_cpu || median(cpu.to_vec()) <= PEER_CPU_TARGET);
    if met { "met" } else { "MISSED" }
}

fn summary(ratios: &[f64]) -> String {
    if ratios.is_empty() {
        return "-".into();
    }
    let each: Vec<String> = ratios.iter().map(|r| format!("{r:.2}")).collect();
    format!("{} [{}]", times(median(ratios.to_vec())), each.join(" "))
}

fn times(ratio: f64) -> String {
    format!("{ratio:.2}×")
}

fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len().is_multiple_of(2) {
        (values[middle - 1] + values[middle]) / 2.0
    } else {
        values[middle]
    }
}
