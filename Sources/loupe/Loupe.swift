import ArgumentParser
import Foundation
import LoupeCore

@main
struct Loupe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loupe",
        abstract: "Build, train, debug and look inside neural networks — in Swift, on the CPU.",
        discussion: """
            Start with `loupe demo`: it trains a small network with Loupe's engine and shows what \
            the engine's hooks see inside it. `loupe bench engine` measures the engine against raw \
            OpenBLAS and this machine's memory bandwidth.
            """,
        version: "0.1.0",
        subcommands: [Train.self, Eval.self, EvalLM.self, CompareEvaluations.self, Debug.self, Compress.self, Runs.self, Generate.self, Chat.self, Score.self, TraceCommand.self, Profile.self, DashboardCommand.self, Serve.self, Quantize.self, Merge.self, Tokenize.self, Demo.self, Bench.self]
    )

    /// Runs the command. A mistake in the command line is shown with the usage; anything else that
    /// fails (a file, the data, the model) is shown as one sentence, without the usage, and
    /// Foundation's errors are put in words (``ErrorMessage``) rather than dumped.
    static func main() {
        var command: ParsableCommand
        do { command = try parseAsRoot() } catch { exit(withError: error) }
        do { try command.run() } catch let error as ValidationError {
            // The usage of the command that was run ("loupe train …"), not the root's.
            let usage = usageString(for: Swift.type(of: command))
            let name = usage.split(separator: " ").prefix { !$0.hasPrefix("<") && !$0.hasPrefix("[") }.joined(separator: " ")
            FileHandle.standardError.write(Data("Error: \(error.message)\nUsage: \(usage)\n  See '\(name) --help' for more.\n".utf8))
            exit(withError: ExitCode.validationFailure)
        } catch where error is CleanExit || error is ExitCode || error is CommandFailure
                        // The parser's own requests (`loupe help train` runs a command that throws one) are its to print.
                        || String(reflecting: Swift.type(of: error)).hasPrefix("ArgumentParser.") {
            exit(withError: error)
        } catch {
            exit(withError: CommandFailure(error))
        }
    }
}

/// A command that could not do its work, for a reason outside the command line: printed as
/// `Error: <message>` with no usage after it.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
    /// `error` in words (``ErrorMessage/plain(_:json:)``).
    init(_ error: any Error) { description = ErrorMessage.plain(error) }
}
