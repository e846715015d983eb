import Foundation
import LoupeReport
import LoupeStore

/// A debugger finding as the dashboard reads it back from a run's `finding` records: only the
/// fields it shows, so a finding with more fields (or a newer Loupe's) still reads. The store
/// keeps records opaque; this is the one place the dashboard looks inside one.
struct FindingRecord: Decodable {
    var kind: String
    var severity: String
    var confidence: Double?
    var firstStep: Int?
    var layers: [String]?
    var explanation: String
    var fixes: [Fix]?

    struct Fix: Decodable {
        var description: String
    }

    enum CodingKeys: String, CodingKey {
        case kind, severity, confidence, firstStep = "first_step", layers, explanation, fixes
    }

    /// The findings of run `id` that parse (a record that does not is skipped, not fatal).
    static func all(of id: String, in store: RunStore) throws -> [FindingRecord] {
        try store.records(id, kind: "finding").compactMap { try? LoupeJSON.decoder().decode(FindingRecord.self, from: Data($0.json.utf8)) }
    }

    /// The finding's card: severity, kind, when it started, the explanation and the fixes.
    var card: String {
        let tone = kind == "healthy" ? "healthy" : severity
        var html = "<article class=\"finding \(XMLText.escape(tone))\"><h3><span class=\"badge\">\(XMLText.escape(tone))</span> "
            + "\(XMLText.escape(kind))</h3>"
        var meta: [String] = []
        if let confidence { meta.append("confidence \(NumberText.percent(confidence))") }
        if let firstStep { meta.append("first seen at step \(firstStep)") }
        if let layers, !layers.isEmpty { meta.append("layers: " + layers.joined(separator: ", ")) }
        if !meta.isEmpty { html += "<p class=\"meta\">\(XMLText.escape(meta.joined(separator: " · ")))</p>" }
        html += "<p>\(XMLText.escape(explanation))</p>"
        if let fixes, !fixes.isEmpty {
            html += "<ol>" + fixes.map { "<li>\(XMLText.escape($0.description))</li>" }.joined() + "</ol>"
        }
        return html + "</article>\n"
    }

    /// Its marker on the loss chart, at the step it first appeared, in its severity's colour.
    var marker: LineChart.Marker? {
        firstStep.map { LineChart.Marker(x: Double($0), label: kind, color: Palette.severity(kind == "healthy" ? "healthy" : severity)) }
    }
}
