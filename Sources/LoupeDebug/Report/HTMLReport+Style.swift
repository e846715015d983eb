/// The report's stylesheet: a light theme, readable on a laptop, charts scaled to their column.
extension HTMLReport {
    static let stylesheet = """
    :root { --error: #c62828; --warning: #b26a00; --info: #1565c0; --healthy: #2e7d32; --line: #e3e3e3; }
    * { box-sizing: border-box; }
    body { margin: 0; background: #f6f7f9; color: #222; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
    main { max-width: 1120px; margin: 0 auto; padding: 24px 20px 48px; }
    h1 { font-size: 1.6em; margin: 0 0 4px; }
    h2 { font-size: 1.25em; margin: 32px 0 12px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
    h3 { font-size: 1.05em; margin: 0 0 6px; }
    code, .file { font-family: ui-monospace, "SF Mono", Menlo, Consolas, monospace; font-size: 0.9em; }
    .file { color: #666; margin: 2px 0; word-break: break-all; }
    .verdict { font-weight: 600; margin: 10px 0; }
    .verdict.bad { color: var(--error); }
    .verdict.good, td.good { color: var(--healthy); }
    td.bad, tr.bad td { color: var(--error); }
    .note { color: #666; font-size: 0.9em; }
    dl.facts { display: flex; flex-wrap: wrap; gap: 8px 28px; margin: 12px 0; }
    dl.facts dt { font-size: 0.8em; color: #666; text-transform: uppercase; letter-spacing: 0.03em; }
    dl.facts dd { margin: 0; font-weight: 600; }
    table { border-collapse: collapse; background: #fff; margin: 8px 0; font-size: 0.9em; }
    th, td { border: 1px solid var(--line); padding: 3px 9px; text-align: left; vertical-align: top; }
    th { background: #f0f1f3; font-weight: 600; }
    td { font-variant-numeric: tabular-nums; }
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
    figure { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 8px; }
    figure.wide { grid-column: 1 / -1; }
    figcaption { color: #666; font-size: 0.85em; padding: 4px 6px 0; }
    svg.chart { display: block; width: 100%; height: auto; }
    @media (max-width: 800px) { .grid { grid-template-columns: minmax(0, 1fr); } }

    """
}
