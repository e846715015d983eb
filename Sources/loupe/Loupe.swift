import ArgumentParser

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
        subcommands: [Train.self, Debug.self, Runs.self, Generate.self, Chat.self, Score.self, TraceCommand.self, Profile.self, DashboardCommand.self, Tokenize.self, Demo.self, Bench.self]
    )
}
