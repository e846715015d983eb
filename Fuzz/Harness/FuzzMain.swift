import Foundation
import LoupeFuzz

// The libFuzzer binary for every harness, or (built without LOUPE_FUZZING, as a plain
// `swift build` does) a replayer: `loupe-fuzz HARNESS FILE...` feeds each file to the harness.
// scripts/fuzz.sh builds it with AddressSanitizer, coverage instrumentation and libFuzzer's
// no-main runtime, then runs it with LOUPE_FUZZ_HARNESS naming the harness.

#if LOUPE_FUZZING
typealias FuzzCallback = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
/// libFuzzer's driver, from libclang_rt.fuzzer_no_main (SwiftPM gives executables its own `main`,
/// so the runtime's `main` cannot be linked).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: FuzzCallback) -> CInt

/// The harness, read once: the C callback cannot capture it.
nonisolated(unsafe) var selected: FuzzHarness = .gguf
#endif

@main
struct FuzzMain {
    static func main() {
        #if LOUPE_FUZZING
        let name = ProcessInfo.processInfo.environment["LOUPE_FUZZ_HARNESS"] ?? ""
        guard let harness = FuzzHarness(rawValue: name) else {
            fail("set LOUPE_FUZZ_HARNESS to one of: \(FuzzHarness.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let reason = harness.unavailableReason { fail("skipped: \(reason)", status: 0) }
        selected = harness
        // The harness's own -max_len unless one is given.
        var arguments = CommandLine.arguments
        if !arguments.contains(where: { $0.hasPrefix("-max_len=") }) { arguments.append("-max_len=\(harness.maxLength)") }
        // libFuzzer keeps argv for the whole run: allocated once, never freed.
        let cArguments = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: arguments.count + 1)
        for (i, argument) in arguments.enumerated() { cArguments[i] = strdup(argument) }
        cArguments[arguments.count] = nil
        var argc = CInt(arguments.count)
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = cArguments
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, count in
            let bytes = count == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: count))
            do { try selected.run(bytes) } catch let violation as FuzzPropertyViolation {
                fatalError("\(selected.rawValue): \(violation)")
            } catch {}
            return 0
        })
        #else
        let args = CommandLine.arguments.dropFirst()
        guard let name = args.first, let harness = FuzzHarness(rawValue: name) else {
            fail("usage: loupe-fuzz HARNESS FILE...   (HARNESS: \(FuzzHarness.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        if let reason = harness.unavailableReason { fail("skipped: \(reason)", status: 0) }
        for path in args.dropFirst() {
            do {
                try harness.run(Array(Data(contentsOf: URL(fileURLWithPath: path))))
                print("\(path): accepted")
            } catch let violation as FuzzPropertyViolation {
                fail("\(path): BUG: \(violation)")
            } catch {
                print("\(path): rejected: \(error)")
            }
        }
        #endif
    }

    static func fail(_ message: String, status: Int32 = 2) -> Never {
        FileHandle.standardError.write(Data("loupe-fuzz: \(message)\n".utf8))
        exit(status)
    }
}
