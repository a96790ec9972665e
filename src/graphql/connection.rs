//! Relay cursor connections: argument checks, page requests, and `totalCount` that is counted
//! only when a client selects it.

use std::sync::Arc;

use async_graphql::async_trait::async_trait;
use async_graphql::connection::{Connection, CursorType, Edge, EmptyFields};
use async_graphql::{Context, Lookahead, Object, OutputType, Result};

use super::guards::{LoadersOf, loaders};
use crate::db::organizations::{Organization, OrganizationFilter};
use crate::db::paging::{
    ChildCount, ChildPage, Cursor, Direction, ListQuery, Listed, Page, PageRequest, Parent,
    QueryOf, Sort,
};
use crate::db::read::Read;
use crate::error::AppError;

/// A connection of `Node`s with `totalCount`.
pub type Paged<N> = Connection<Cursor, N, TotalCount, EmptyFields>;

/// Edges hold their cursor as it is and encode it only when a client selects it.
impl CursorType for Cursor {
    type Error = &'static str;

    /// Lists read `after` and `before` with [`Cursor::decode`], which also checks that the
    /// cursor was made for their order.
    fn decode_cursor(text: &str) -> Result<Self, Self::Error> {
        Cursor::parse(text).ok_or("not a cursor of this API")
    }

    fn encode_cursor(&self) -> String {
        self.encode()
    }
}

/// The biggest page a client may ask for (`ORGRAPH_MAX_PAGE_SIZE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLimits {
    pub max_page_size: u64,
}

impl Default for PageLimits {
    fn default() -> Self {
        Self { max_page_size: 100 }
    }
}

/// The Relay arguments of one connection field, as the client sent them.
#[derive(Debug, Clone, Default)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

impl PageArgs {
    /// Checks the arguments: `first` (with `after`) or `last` (with `before`), each between 0
    /// and the limit; no `first`/`last` means a page of the limit's size.
    pub fn request<R: Listed>(
        self,
        sort: R::Sort,
        limits: PageLimits,
    ) -> Result<PageRequest, AppError> {
        let (direction, size, cursor, size_field, cursor_field) = match (self.first, self.last) {
            (Some(_), Some(_)) => {
                return Err(bad_input("pass `first` or `last`, not both", "last"));
            }
            (_, Some(last)) => {
                if self.after.is_some() {
                    return Err(bad_input(
                        "`after` goes with `first`; use `before` with `last`",
                        "after",
                    ));
                }
                (
                    Direction::Backward,
                    i64::from(last),
                    self.before,
                    "last",
                    "before",
                )
            }
            (first, None) => {
                if self.before.is_some() {
                    return Err(bad_input(
                        "`before` goes with `last`; use `after` with `first`",
                        "before",
                    ));
                }
                let first = first.map_or(limits.max_page_size as i64, i64::from);
                (Direction::Forward, first, self.after, "first", "after")
            }
        };
        let size = u64::try_from(size)
            .ok()
            .filter(|size| *size <= limits.max_page_size)
            .ok_or_else(|| {
                bad_input(
                    &format!(
                        "`{size_field}` must be between 0 and {}",
                        limits.max_page_size
                    ),
                    size_field,
                )
            })?;
        let cursor = cursor
            .map(|text| {
                Cursor::decode::<R>(&text, sort)
                    .ok_or_else(|| bad_input("not a cursor of this list and order", cursor_field))
            })
            .transpose()?;
        Ok(PageRequest {
            direction,
            size,
            cursor,
        })
    }
}

fn bad_input(message: &str, field: &str) -> AppError {
    AppError::BadUserInput {
        message: message.to_owned(),
        field: Some(field.to_owned()),
    }
}

/// The complexity of a connection: its children count once per row it may return.
pub fn complexity(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let rows = first
        .or(last)
        .map_or(PageLimits::default().max_page_size as usize, |size| {
            usize::try_from(size).unwrap_or_default()
        });
    rows.max(1).saturating_mul(child_complexity)
}

/// Something that can count a list's rows.
#[async_trait]
pub trait CountSource: Send + Sync {
    async fn count(&self, loaders: &LoadersOf) -> Result<i64, AppError>;
}

#[async_trait]
impl<P: Parent> CountSource for ChildCount<P> {
    async fn count(&self, loaders: &LoadersOf) -> Result<i64, AppError> {
        Ok(loaders.load_one(self.clone()).await?.unwrap_or_default())
    }
}

#[async_trait]
impl CountSource for OrganizationFilter {
    async fn count(&self, loaders: &LoadersOf) -> Result<i64, AppError> {
        Ok(loaders.loader().count::<Organization>(None, self).await?)
    }
}

/// The `totalCount` of a connection, counted only when selected.
pub struct TotalCount(Box<dyn CountSource>);

impl TotalCount {
    pub fn of(source: impl CountSource + 'static) -> Self {
        Self(Box::new(source))
    }
}

#[Object]
impl TotalCount {
    /// How many rows match the filter, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i64> {
        Ok(self.0.count(&loaders(ctx).await?).await?)
    }
}

/// A connection over one page of rows.
pub fn connection<R: Listed, N: OutputType>(
    page: &Page<R>,
    sort: R::Sort,
    node: impl Fn(Arc<R>) -> N,
    total: TotalCount,
) -> Paged<N> {
    let mut connection =
        Connection::with_additional_fields(page.has_previous_page, page.has_next_page, total);
    connection.edges = page
        .rows
        .iter()
        .map(|row| Edge::new(Cursor::of(row.as_ref(), sort), node(row.clone())))
        .collect();
    connection
}

/// A page of a nested list under `parent`, loaded in one batch with its siblings' pages;
/// `joins` tells which to-one rows a node's selection shows.
pub async fn child_connection<P: Parent, N: OutputType>(
    ctx: &Context<'_>,
    parent: P,
    filter: <P::Row as Listed>::Filter,
    sort: Sort<<P::Row as Listed>::Sort>,
    args: PageArgs,
    joins: impl Fn(&Lookahead<'_>) -> <P::Row as Read>::Joins,
    node: impl Fn(Arc<P::Row>) -> N,
) -> Result<Paged<N>> {
    let page = args.request::<P::Row>(sort.key, page_limits(ctx))?;
    let query: Arc<QueryOf<P::Row>> = Arc::new(ListQuery {
        filter: filter.clone(),
        sort,
        page,
    });
    let loaders = loaders(ctx).await?;
    let loaded = loaders
        .load_one(ChildPage {
            parent,
            query: query.clone(),
            joins: joins(&node_selection(ctx)),
        })
        .await
        .map_err(AppError::from)?
        .unwrap_or_else(|| Arc::new(Page::empty(&query.page)));
    let total = TotalCount::of(ChildCount { parent, filter });
    Ok(connection(&loaded, sort.key, node, total))
}

/// What a connection's selection asks of its nodes, under `edges.node` (or `nodes`).
pub fn node_selection<'a>(ctx: &'a Context<'_>) -> Lookahead<'a> {
    let connection = ctx.look_ahead();
    let edges = connection.field("edges").field("node");
    if edges.exists() {
        edges
    } else {
        connection.field("nodes")
    }
}

/// The configured page limits.
pub fn page_limits(ctx: &Context<'_>) -> PageLimits {
    ctx.data_opt::<PageLimits>().copied().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::assessments::{Assessment, AssessmentSort};

    fn args(first: Option<i32>, last: Option<i32>) -> PageArgs {
        PageArgs {
            first,
            last,
            ..PageArgs::default()
        }
    }

    fn field_of(error: AppError) -> Option<String> {
        match error {
            AppError::BadUserInput { field, .. } => field,
            _ => None,
        }
    }

    #[test]
    fn page_sizes_are_capped_not_cut() {
        let limits = PageLimits::default();
        let sort = AssessmentSort::CreatedAt;
        assert_eq!(
            args(Some(100), None)
                .request::<Assessment>(sort, limits)
                .unwrap()
                .size,
            100
        );
        assert_eq!(
            args(None, None)
                .request::<Assessment>(sort, limits)
                .unwrap()
                .size,
            100
        );
        let too_big = args(Some(101), None)
            .request::<Assessment>(sort, limits)
            .unwrap_err();
        assert_eq!(field_of(too_big).as_deref(), Some("first"));
        let negative = args(None, Some(-1))
            .request::<Assessment>(sort, limits)
            .unwrap_err();
        assert_eq!(field_of(negative).as_deref(), Some("last"));
        assert!(
            args(Some(1), Some(1))
                .request::<Assessment>(sort, limits)
                .is_err()
        );
    }

    #[test]
    fn cursors_go_with_their_direction() {
        let limits = PageLimits::default();
        let sort = AssessmentSort::CreatedAt;
        let mixed = PageArgs {
            first: Some(5),
            before: Some("x".into()),
            ..PageArgs::default()
        };
        assert_eq!(
            field_of(mixed.request::<Assessment>(sort, limits).unwrap_err()).as_deref(),
            Some("before")
        );
        let garbage = PageArgs {
            first: Some(5),
            after: Some("garbage".into()),
            ..PageArgs::default()
        };
        assert_eq!(
            field_of(garbage.request::<Assessment>(sort, limits).unwrap_err()).as_deref(),
            Some("after")
        );
    }

    #[test]
    fn complexity_multiplies_by_page_size() {
        assert_eq!(complexity(Some(10), None, 3), 30);
        assert_eq!(complexity(None, Some(0), 3), 3);
        assert_eq!(complexity(None, None, 2), 200);
    }
}
