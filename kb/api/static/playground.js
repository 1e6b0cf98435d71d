// The policing-kb GraphQL playground: GraphiQL (vendored, no CDN) on a welcome query, with the
// Docs pane open and an "Examples" pane listing graphql/examples; each example opens in its
// own tab with its variables. The server puts what this needs in #kb-playground.
(function () {
  "use strict";
  const cfg = JSON.parse(document.getElementById("kb-playground").textContent);
  const h = React.createElement;
  const { useEditorContext, DOC_EXPLORER_PLUGIN } = GraphiQL.React;

  function ExamplesIcon() {
    return h(
      "svg",
      { viewBox: "0 0 24 24", fill: "none", stroke: "currentColor", strokeWidth: 1.5, "aria-hidden": true },
      h("path", { d: "M4 5h16M4 12h16M4 19h10", strokeLinecap: "round" }),
    );
  }

  function ExamplesPane() {
    const editor = useEditorContext({ nonNull: true });
    function open(ex) {
      const i = editor.tabs.findIndex((t) => t.query === ex.query);
      if (i >= 0) {
        editor.changeTab(i);
        return;
      }
      editor.addTab();
      // addTab shows the new, empty tab once React has rendered; then fill it in.
      setTimeout(() => {
        if (editor.queryEditor) editor.queryEditor.setValue(ex.query);
        if (editor.variableEditor) editor.variableEditor.setValue(ex.variables);
      }, 0);
    }
    return h(
      "div",
      { className: "kb-examples" },
      h("div", { className: "graphiql-doc-explorer-title" }, "Examples"),
      h("p", null, cfg.examples.length
        ? "Questions people ask of the KB, each a ready query with its variables. Click one to open its tab, then press ▶."
        : "No examples here: they are the files of graphql/examples in the project folder (a checkout, or $KB_HOME)."),
      h(
        "ol",
        null,
        cfg.examples.map((ex) =>
          h(
            "li",
            { key: ex.name },
            h("button", { type: "button", onClick: () => open(ex), "data-example": ex.name },
              ex.question, h("span", { className: "kb-name" }, ex.name)),
          ),
        ),
      ),
    );
  }

  const examples = { title: "Examples", icon: ExamplesIcon, content: ExamplesPane };
  const root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    h(
      GraphiQL,
      {
        fetcher: GraphiQL.createFetcher({ url: cfg.url }),
        defaultQuery: cfg.welcome,
        defaultTabs: [{ query: cfg.welcome, variables: null }, ...cfg.examples.map((ex) => ({ query: ex.query, variables: ex.variables }))],
        plugins: [examples],
        visiblePlugin: DOC_EXPLORER_PLUGIN,
        defaultEditorToolsVisibility: "variables",
        isHeadersEditorEnabled: false,
        inputValueDeprecation: true,
      },
      h(GraphiQL.Logo, null, h("span", { className: "kb-brand" }, "policing-kb")),
    ),
  );
})();
