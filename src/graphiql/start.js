// Starts GraphiQL with the settings the server wrote into #orgraph-graphiql.
(() => {
  const config = JSON.parse(document.getElementById("orgraph-graphiql").textContent);
  const root = document.getElementById("graphiql");
  // A blocked CDN leaves the globals undefined: say so rather than "Loading…" forever.
  if (typeof React === "undefined" || typeof ReactDOM === "undefined" || typeof GraphiQL === "undefined") {
    root.textContent = config.notLoaded;
    return;
  }
  const url = (path, websocket) => {
    const url = new URL(path, window.location.href);
    if (websocket) {
      url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    }
    return url.toString();
  };
  const fetcher = GraphiQL.createFetcher({
    url: url(config.endpoint, false),
    subscriptionUrl: url(config.subscriptionEndpoint, true),
    fetch: (input, init = {}) => fetch(input, { ...init, credentials: "same-origin" }),
  });
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher,
      defaultTabs: config.tabs,
      defaultHeaders: config.headers,
      defaultEditorToolsVisibility: "headers",
    }),
  );
})();
