import LoupeCore
import Testing
@testable import LoupeData

@Suite("CSV reader")
struct CSVReaderTests {
    @Test("a committed file: label chosen by name, spaces trimmed, CRLF and blank lines accepted")
    func byName() throws {
        let data = try CSVReader(label: .name("species")).read(fixture("iris-mini.csv"))
        #expect(data.inputs.shape == [3, 3])
        #expect(data.inputs.floats() == [5.1, 3.5, 1.4, 7.0, 3.2, 4.7, 6.3, 3.3, 6.0])
        #expect(data.targets.ints() == [0, 1, 2])
    }

    @Test("label by index, negative from the end; regression targets are [N, 1] float32")
    func byIndex() throws {
        let text = "a,b,y\n1,2,0.5\n3,4,-1.25\n"
        let data = try CSVReader(label: .index(-1), labelKind: .regression).parse(Array(text.utf8), file: "r.csv")
        #expect(data.inputs.floats() == [1, 2, 3, 4])
        #expect(data.targets.shape == [2, 1] && data.targets.floats() == [0.5, -1.25])
        let first = try CSVReader(label: .index(0)).parse(Array(text.replacingOccurrences(of: "0.5", with: "1").replacingOccurrences(of: "-1.25", with: "2").utf8), file: "r.csv")
        #expect(first.targets.ints() == [1, 3] && first.inputs.floats() == [2, 1, 4, 2])
    }

    @Test("without a header; semicolon delimiter; gzipped files")
    func noHeader() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("plain.csv", "1;2;3\n4;5;6\n")
        let data = try CSVReader(label: .index(2), hasHeader: false, delimiter: ";").read(path)
        #expect(data.count == 2 && data.targets.ints() == [3, 6])
        // The digits file is a gzipped CSV without a header: read through the same path.
        let digits = try CSVReader(hasHeader: false).read(BuiltinDatasets.resourcePath("digits.csv.gz"))
        #expect(digits.inputs.shape == [1797, 64])
    }

    @Test("a bad number names the file, line, column and text")
    func badNumber() throws {
        let message = dataErrorMessage {
            _ = try CSVReader(label: .name("y")).parse(Array("x1,x2,y\n1,2,0\n3,abc,1\n".utf8), file: "data.csv")
        }
        #expect(message == "data.csv:3: column 2 (\"x2\") holds \"abc\", expected a finite number")
    }

    @Test("bad labels, short rows, missing label names and empty files are errors")
    func malformed() throws {
        let reader = CSVReader()
        let label = dataErrorMessage { _ = try reader.parse(Array("a,y\n1,2.5\n".utf8), file: "f.csv") }
        #expect(label.contains("f.csv:2") && label.contains("\"2.5\"") && label.contains("class index"))
        // A label so large that the class count would overflow (it used to trap).
        #expect(dataErrorMessage { _ = try reader.parse(Array("a,y\n1,0\n2,9223372036854775807\n".utf8), file: "f.csv") }
            == "f.csv:3: column 2 (\"y\") holds \"9223372036854775807\", expected a class index (an integer from 0 to 16777215)")
        #expect(try reader.parse(Array("a,y\n1,16777215\n".utf8), file: "f.csv").classCount == 16_777_216)
        #expect(dataErrorMessage { _ = try reader.parse(Array("a,b,y\n1,2,0\n1,2\n".utf8), file: "f.csv") }
            == "f.csv:3: the row has 2 fields, expected 3 (as in the header)")
        #expect(dataErrorMessage { _ = try CSVReader(label: .name("label")).parse(Array("a,y\n1,0\n".utf8), file: "f.csv") }
            .contains("a column named \"label\""))
        #expect(dataErrorMessage { _ = try reader.parse(Array("a,y\n1,nan\n".utf8), file: "f.csv") }.contains("\"nan\""))
        #expect(throws: DataError.self) { _ = try reader.parse([], file: "empty.csv") }
        #expect(dataErrorMessage { _ = try reader.parse(Array("a,y\n\n".utf8), file: "h.csv") } == "h.csv: the file has no data rows after the header")
        #expect(try reader.parse(Array("a,y\n1,3.0\n".utf8), file: "f.csv").targets.ints() == [3])
        #expect(throws: DataError.self) { _ = try CSVReader(label: .index(5)).parse(Array("a,y\n1,0\n".utf8), file: "f.csv") }
        #expect(dataErrorMessage { _ = try reader.read("/nonexistent/x.csv") }.contains("no such file"))
    }
}
