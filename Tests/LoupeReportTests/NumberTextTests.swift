import LoupeReport
import Testing

/// The one format for numbers people read, and the pixel format no browser can reject.
struct NumberTextTests {
    @Test func wholeNumbersAndLargeOnesPrintInFull() {
        #expect(NumberText.readable(0) == "0")
        #expect(NumberText.readable(-0.0) == "0")
        #expect(NumberText.readable(-2) == "-2")
        #expect(NumberText.readable(1000) == "1000")
        #expect(NumberText.readable(1234.4) == "1234")
        #expect(NumberText.readable(12345.678) == "12346")
        #expect(NumberText.readable(9_999_999) == "9999999")
    }

    @Test func othersKeepFourSignificantDigits() {
        #expect(NumberText.readable(12.5) == "12.5")
        #expect(NumberText.readable(2.30258) == "2.303")
        #expect(NumberText.readable(0.12345) == "0.1235")
        #expect(NumberText.readable(0.000123456) == "0.0001235")
        #expect(NumberText.readable(2e-5) == "2e-05")
        #expect(NumberText.readable(123456789) == "1.235e+08")
        #expect(NumberText.readable(-4.5e15) == "-4.5e+15")
    }

    @Test func nonFiniteValuesHaveNames() {
        #expect(NumberText.readable(.nan) == "NaN")
        #expect(NumberText.readable(.infinity) == "∞")
        #expect(NumberText.readable(-.infinity) == "-∞")
        #expect(NumberText.percent(.nan) == "NaN" && NumberText.percent(.infinity) == "∞")
    }

    @Test func percentages() {
        #expect(NumberText.percent(0.823) == "82.3%")
        #expect(NumberText.percent(1) == "100%")
        #expect(NumberText.percent(0.000404) == "0.0404%")
    }

    @Test func pixelsHaveOneDecimalAndNeverNaN() {
        #expect(SVG.px(12.25) == "12.3")
        #expect(SVG.px(3.25) == "3.3")
        #expect(SVG.px(-3.04) == "-3")
        #expect(SVG.px(-0.04) == "0")
        #expect(SVG.px(-12.5) == "-12.5")
        #expect(SVG.px(.nan) == "0" && SVG.px(.infinity) == "0" && SVG.px(-.infinity) == "0" && SVG.px(1e300) == "0")
    }

    @Test func textIsEscapedInContentAndAttributes() {
        #expect(XMLText.escape("<a & 'b' \"c\">\u{1}") == "&lt;a &amp; &#39;b&#39; &quot;c&quot;&gt;\u{FFFD}")
        let text = SVG.text("a<b", x: .nan, y: 1, anchor: .middle, fill: "\"red")
        #expect(text == "<text x=\"0\" y=\"1\" text-anchor=\"middle\" fill=\"&quot;red\">a&lt;b</text>")
    }
}
