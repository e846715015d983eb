import Foundation
import LoupeReport
import Testing

/// Colour only on a terminal without NO_COLOR, and a progress line that says how fast and how long.
struct TerminalTests {
    @Test func colourNeedsATerminalAndNoNoColor() {
        #expect(TerminalStyle(isTerminal: true, environment: [:]).usesColor)
        #expect(TerminalStyle(isTerminal: true, environment: ["TERM": "xterm", "NO_COLOR": ""]).usesColor)
        #expect(!TerminalStyle(isTerminal: true, environment: ["NO_COLOR": "1"]).usesColor)
        #expect(!TerminalStyle(isTerminal: true, environment: ["NO_COLOR": "false"]).usesColor)
        #expect(!TerminalStyle(isTerminal: false, environment: [:]).usesColor)
    }

    @Test func plainStyleLeavesTextAlone() {
        let plain = TerminalStyle(usesColor: false)
        #expect(plain.bold("a") == "a" && plain.dim("b") == "b" && plain.colored("c", .red, bold: true) == "c")
        #expect(plain.shaded("d", intensity: 0.7) == "d")
    }

    @Test func colourStyleWrapsTextInCodesAndAReset() {
        let colour = TerminalStyle(usesColor: true)
        #expect(colour.bold("a") == "\u{1B}[1ma\u{1B}[0m")
        #expect(colour.dim("b") == "\u{1B}[2mb\u{1B}[0m")
        #expect(colour.colored("c", .green) == "\u{1B}[32mc\u{1B}[0m")
        #expect(colour.colored("c", .red, bold: true) == "\u{1B}[1;31mc\u{1B}[0m")
        // The grey ramp runs 232 (black) to 255 (white); the text flips to black on light grey.
        #expect(colour.shaded("d", intensity: 0) == "\u{1B}[48;5;232;38;5;255md\u{1B}[0m")
        #expect(colour.shaded("d", intensity: 1) == "\u{1B}[48;5;255;38;5;232md\u{1B}[0m")
        #expect(colour.shaded("d", intensity: .nan) == colour.shaded("d", intensity: 0))
    }

    @Test func progressLineShowsCountRateAndTimeLeft() {
        let line = TerminalProgress.line(label: "epoch 1/3", done: 25, total: 100, elapsed: 5, detail: "loss 0.4123", barWidth: 8)
        #expect(line == "epoch 1/3 ██······ 25/100 25% 5.00 it/s ETA 15s loss 0.4123")
        let fast = TerminalProgress.line(label: "training", done: 300, total: 2000, elapsed: 2, barWidth: 4)
        #expect(fast == "training ···· 300/2000 15% 150.0 it/s ETA 11s")
        #expect(TerminalProgress.line(label: "x", done: 10, total: 10, elapsed: 1, barWidth: 2) == "x ██ 10/10 100% 10.0 it/s ETA 0s")
    }

    @Test func progressBeforeAnythingIsMeasuredSaysSo() {
        #expect(TerminalProgress.line(label: "x", done: 0, total: 10, elapsed: 0, barWidth: 2) == "x ·· 0/10 0% – it/s ETA –")
        #expect(TerminalProgress.line(label: "x", done: 3, total: 0, elapsed: .nan, barWidth: 2) == "x ·· 3/0 0% – it/s ETA –")
        #expect(TerminalProgress.line(label: "x", done: 12, total: 10, elapsed: 1, barWidth: 2) == "x ██ 12/10 100% 12.0 it/s ETA 0s")
    }

    @Test func durationsReadLikeAClock() {
        #expect(TerminalProgress.duration(42.4) == "42s")
        #expect(TerminalProgress.duration(185) == "3m05s")
        #expect(TerminalProgress.duration(7620) == "2h07m")
        #expect(TerminalProgress.duration(.infinity) == "–" && TerminalProgress.duration(-1) == "–")
    }

    /// Off a terminal nothing is written, so logs stay clean; on one, each update redraws the line.
    @Test func progressDrawsOnlyOnATerminal() {
        final class Sink: @unchecked Sendable { var written: [String] = [] }
        let off = Sink(), on = Sink()
        let quiet = TerminalProgress(label: "x", isTerminal: false) { off.written.append($0) }
        quiet.update(1, of: 2)
        quiet.finish()
        #expect(off.written.isEmpty)
        let drawn = TerminalProgress(label: "x", barWidth: 2, isTerminal: true) { on.written.append($0) }
        drawn.update(1, of: 2, detail: "d")
        drawn.finish()
        #expect(on.written.count == 2)
        #expect(on.written[0].hasPrefix("\r\u{1B}[2Kx █· 1/2 50% "))
        #expect(on.written[0].hasSuffix(" d"))
        #expect(on.written[1] == "\r\u{1B}[2K")
    }
}
