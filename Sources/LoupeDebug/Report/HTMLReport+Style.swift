/// The report's own rules, after LoupeReport's ``HTMLPage/baseStylesheet``: the run header,
/// finding cards coloured by severity, and a two-column grid of figures whose charts fill them.
extension HTMLReport {
    static let stylesheet = """
        .file { font-family: ui-monospace, "SF Mono", Menlo, Consolas, monospace; font-size: 0.9em; color: var(--muted); margin: 2px 0; word-break: break-all; }
        .verdict { font-weight: 600; margin: 10px 0; }
        .verdict.bad { color: var(--error); }
        .verdict.good, td.good { color: var(--healthy); }
        td.bad, tr.bad td { color: var(--error); }
        dl.facts { display: flex; flex-wrap: wrap; gap: 8px 28px; margin: 12px 0; }
        dl.facts dt { font-size: 0.8em; color: var(--muted); text-transform: uppercase; letter-spacing: 0.03em; }
        dl.facts dd { margin: 0; font-weight: 600; }
        .finding { background: #fff; border: 1px solid var(--line); border-left: 6px solid var(--info);
                   border-radius: 6px; padding: 12px 16px; margin: 12px 0; }
        .finding.error { border-left-color: var(--error); }
        .finding.warning { border-left-color: var(--warning); }
        .finding.healthy { border-left-color: var(--healthy); }
        .badge { display: inline-block; color: #fff; background: var(--info); border-radius: 4px; padding: 0 7px;
                 font-size: 0.8em; text-transform: uppercase; vertical-align: 2px; }
        .error .badge { background: var(--error); }
        .warning .badge { background: var(--warning); }
        .healthy .badge { background: var(--healthy); }
        .meta { color: #555; font-size: 0.9em; margin: 0 0 6px; }
        .fixes li { margin: 2px 0; }
        .auto { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.8em; background: #eef3fb;
                border: 1px solid #c9d8ef; border-radius: 3px; padding: 0 4px; cursor: help; }
        .grid { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 16px; }
        .grid.small { grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); }
        section > h3 { margin-top: 20px; }
        figure { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 8px; }
        figure.wide { grid-column: 1 / -1; }
        figcaption { color: var(--muted); font-size: 0.85em; padding: 4px 6px 0; }
        figure svg.chart { display: block; width: 100%; }
        pre.mask { white-space: pre-wrap; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; font-size: 0.85em; }
        .target { background: #d7f0dd; color: #0b5323; border-radius: 2px; }
        @media (max-width: 800px) { .grid { grid-template-columns: minmax(0, 1fr); } }

        """
}
