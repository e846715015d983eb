import LoupeReport
import Testing

/// The page skeleton: a complete document, the title escaped, the page's CSS after the base, and
/// nothing loaded from anywhere.
struct HTMLPageTests {
    @Test func wrapsTheBodyInACompleteDocument() throws {
        let html = HTMLPage(title: "a <b> & c", stylesheet: ".x { color: red; }\n", body: "<p>hi</p>\n", script: "var x = 1;").html
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"))
        #expect(html.hasSuffix("</body>\n</html>\n"))
        #expect(html.contains("<title>a &lt;b&gt; &amp; c</title>"))
        #expect(html.contains("<main>\n<p>hi</p>\n</main>"))
        #expect(html.contains("<script>\nvar x = 1;\n</script>"))
        let base = try #require(html.range(of: "box-sizing")), own = try #require(html.range(of: ".x { color: red; }"))
        #expect(base.lowerBound < own.lowerBound)
    }

    @Test func loadsNothing() {
        let html = HTMLPage(title: "t", body: "").html
        #expect(!html.contains("<script"))
        #expect(!html.contains("http") && !html.contains("url(") && !html.contains("@import") && !html.contains("<link"))
    }
}
