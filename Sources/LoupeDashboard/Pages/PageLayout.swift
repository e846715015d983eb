import LoupeEval
import LoupeReport

/// What every dashboard page shares: LoupeReport's ``HTMLPage`` (its base stylesheet, so the
/// dashboard looks like the debugger's report), a bar linking back to the runs, and the rules
/// for the dashboard's tables, cards and chart grid.
enum PageLayout {
    /// A whole page: the bar, then `body`; `script` runs at the end (live updates only). A `wide`
    /// page (a table of many columns) takes the whole window instead of a reading column.
    static func page(title: String, body: String, script: String? = nil, wide: Bool = false) -> String {
        let bar = "<nav class=\"bar\"><a href=\"/\"><b>Loupe</b> runs</a></nav>\n"
        return HTMLPage(title: title, stylesheet: stylesheet + EvaluationReport.stylesheet + (wide ? "main { max-width: none; }\n" : ""), body: bar + body, script: script).html
    }

    static let stylesheet = """
        main { max-width: 1400px; }
        .scroll { overflow-x: auto; }
        table.runs td { white-space: nowrap; }
        #charts h3 { margin-top: 18px; }
        nav.bar { margin: -8px 0 16px; font-size: 0.95em; }
        nav.bar a { color: inherit; text-decoration: none; }
        a { color: #1565c0; }
        .problem { background: #fff; border: 1px solid var(--line); border-left: 6px solid var(--error); border-radius: 6px; padding: 12px 16px; }
        form.filters { display: flex; flex-wrap: wrap; gap: 8px 14px; align-items: end; margin: 8px 0 12px; }
        form.filters label { display: flex; flex-direction: column; font-size: 0.8em; color: var(--muted); }
        input, select, button { font: inherit; font-size: 0.9em; padding: 3px 6px; }
        button { cursor: pointer; }
        table.runs { font-size: 0.85em; }
        table.runs th a { color: inherit; text-decoration: none; white-space: nowrap; }
        table.runs th.sorted { background: #e4e9f2; }
        td.num { text-align: right; }
        td.id { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.9em; }
        .status { display: inline-block; color: #fff; border-radius: 4px; padding: 0 7px; font-size: 0.8em; background: var(--muted); }
        .status.completed { background: var(--healthy); }
        .status.running { background: var(--info); }
        .status.failed, .status.crashed { background: var(--error); }
        dl.facts { display: flex; flex-wrap: wrap; gap: 8px 28px; margin: 12px 0; }
        dl.facts dt { font-size: 0.8em; color: var(--muted); text-transform: uppercase; letter-spacing: 0.03em; }
        dl.facts dd { margin: 0; font-weight: 600; word-break: break-all; }
        .grid { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 16px; }
        figure { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 8px; }
        figure.wide { grid-column: 1 / -1; }
        figure svg.chart { display: block; width: 100%; }
        .finding { background: #fff; border: 1px solid var(--line); border-left: 6px solid var(--info); border-radius: 6px; padding: 10px 16px; margin: 10px 0; }
        .finding.error { border-left-color: var(--error); }
        .finding.warning { border-left-color: var(--warning); }
        .finding.healthy { border-left-color: var(--healthy); }
        .badge { display: inline-block; color: #fff; background: var(--info); border-radius: 4px; padding: 0 7px; font-size: 0.8em; text-transform: uppercase; vertical-align: 2px; }
        .error .badge { background: var(--error); }
        .warning .badge { background: var(--warning); }
        .healthy .badge { background: var(--healthy); }
        .meta { color: #555; font-size: 0.9em; margin: 0 0 6px; }
        pre { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; overflow-x: auto; font-size: 0.85em; }
        .live { color: var(--info); font-weight: 600; }
        .swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; vertical-align: -1px; margin-right: 6px; }
        @media (max-width: 900px) { .grid { grid-template-columns: minmax(0, 1fr); } }

        """
}
