import Foundation
import LoupeCore
import LoupeTestSupport
import Testing

/// Inputs are read only when they are regular files: a FIFO given as a data or model file used
/// to block forever.
struct InputFileTests {
    @Test func onlyRegularFilesAreRead() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("a.txt"), fifo = directory.appendingPathComponent("pipe")
        try Data("hello".utf8).write(to: file)
        #expect(mkfifo(fifo.path, 0o600) == 0)
        #expect(try InputFile.read(file.path) == Data("hello".utf8))
        // No writer ever opens the FIFO: a blocking open would never return.
        #expect(throws: InputFileError(path: fifo.path, reason: "it is a FIFO (a named pipe), not a regular file")) {
            try InputFile.read(fifo.path)
        }
        #expect(throws: InputFileError(path: directory.path, reason: "it is a directory, not a regular file")) {
            try InputFile.read(directory.path)
        }
        #expect(throws: InputFileError(path: "/dev/null", reason: "it is a device, not a regular file")) { try InputFile.read("/dev/null") }
        #expect(throws: InputFileError(path: directory.appendingPathComponent("none").path, reason: "no such file")) {
            try InputFile.read(directory.appendingPathComponent("none").path)
        }
    }

    @Test func inputFileExample() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let runFile = root.appendingPathComponent("examples/digits-mlp.toml")
        // example: InputFile
        let data = try InputFile.read(runFile.path)       // runFile: examples/digits-mlp.toml
        // a FIFO: InputFileError: cannot read /tmp/pipe: it is a FIFO (a named pipe), not a regular file
        // end example
        #expect(String(decoding: data, as: UTF8.self).contains("[run]"))
        #expect(InputFileError(path: "/tmp/pipe", reason: "it is a FIFO (a named pipe), not a regular file").description
                == "cannot read /tmp/pipe: it is a FIFO (a named pipe), not a regular file")
        #expect(try docExampleMismatch(0, in: "Sources/LoupeCore/Files/InputFile.swift", markedAs: "InputFile", in: #filePath) == nil)
    }
}
