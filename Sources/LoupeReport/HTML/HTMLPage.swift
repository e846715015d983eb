/// The skeleton of every HTML page Loupe writes: doctype, head, title, the base stylesheet with
/// the page's own rules after it, the body in a `<main>` column, and an optional inline script.
///
/// Pages load nothing: styles and scripts are inline, charts are inline SVG, so a page can be
/// mailed or archived with the run it describes. Pages must read completely without JavaScript;
/// a script may only add conveniences.
///
/// ```swift
/// let page = HTMLPage(title: "Loupe debug: \(run)", stylesheet: ".finding { padding: 12px; }",
///                     body: "<h1>\(XMLText.escape(run))</h1>\n")
/// try Data(page.html.utf8).write(to: url)
/// ```
public struct HTMLPage: Sendable {
    /// The document's title (escaped here).
    public var title: String
    /// CSS for this page only, after ``HTMLPage/baseStylesheet`` so it can override it.
    public var stylesheet: String
    /// The markup inside `<main>`, already escaped.
    public var body: String
    /// JavaScript run at the end of the body, or nil for none.
    public var script: String?

    public init(title: String, stylesheet: String = "", body: String, script: String? = nil) {
        (self.title, self.stylesheet, self.body, self.script) = (title, stylesheet, body, script)
    }

    /// The whole document.
    public var html: String {
        var html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        html += "<title>\(XMLText.escape(title))</title>\n<style>\n\(Self.baseStylesheet)\(stylesheet)</style>\n</head>\n"
        html += "<body>\n<main>\n\(body)</main>\n"
        if let script { html += "<script>\n\(script)\n</script>\n" }
        return html + "</body>\n</html>\n"
    }

    /// What every page shares: a light theme readable on a laptop, bordered tables with tabular
    /// figures, and charts that shrink to their column. The colours of severities are variables
    /// so pages name them once.
    public static let baseStylesheet = """
        :root { --error: #c62828; --warning: #b26a00; --info: #1565c0; --healthy: #2e7d32; --line: #e3e3e3; --muted: #666; }
        * { box-sizing: border-box; }
        body { margin: 0; background: #f6f7f9; color: #222; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
        main { max-width: 1120px; margin: 0 auto; padding: 24px 20px 48px; }
        h1 { font-size: 1.6em; margin: 0 0 4px; }
        h2 { font-size: 1.25em; margin: 32px 0 12px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
        h3 { font-size: 1.05em; margin: 0 0 6px; }
        code { font-family: ui-monospace, "SF Mono", Menlo, Consolas, monospace; font-size: 0.9em; }
        .note { color: var(--muted); font-size: 0.9em; }
        table { border-collapse: collapse; background: #fff; margin: 8px 0; font-size: 0.9em; }
        th, td { border: 1px solid var(--line); padding: 3px 9px; text-align: left; vertical-align: top; }
        th { background: #f0f1f3; font-weight: 600; }
        td { font-variant-numeric: tabular-nums; }
        svg.chart { max-width: 100%; height: auto; }

        """
}
