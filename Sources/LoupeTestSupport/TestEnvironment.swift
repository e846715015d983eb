import Foundation

/// The repository root (tests read the shipped examples/ run files).
public let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A fresh temporary directory for run outputs.
public func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Runs `body` on a thread with a 64 MiB stack and waits for it.
///
/// Whole training runs inside a Swift Testing task overflowed the cooperative thread's small
/// stack (a crash in the resume test, in debug and release); the CLI runs on the main thread's
/// 8 MiB stack. See the closing note of issue 3: which frames use that much stack is still open.
public func onLargeStack<T>(_ body: @escaping () throws -> T) throws -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        box.result = Result { try body() }
        done.signal()
    }
    thread.stackSize = 64 << 20
    thread.start()
    done.wait()
    return try box.result!.get()
}

/// Carries a result from the large-stack thread back to the waiting test.
final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, Error>?
}
