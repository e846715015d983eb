/// Text made safe for the HTML and SVG pages Loupe writes (the debugger's report, the trace page).
public enum XMLText {
    /// `text` with `& < > " '` replaced by entities, safe as element content and inside quoted
    /// attributes. Control characters other than tab and newlines become U+FFFD (XML forbids them,
    /// and a token or a file name can hold any byte).
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default: out.unicodeScalars.append(scalar.value < 0x20 || scalar.value == 0x7F ? "\u{FFFD}" : scalar)
            }
        }
        return out
    }
}
