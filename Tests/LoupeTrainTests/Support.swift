import Foundation
import LoupeTrain
import LoupeTestSupport

func example(_ name: String) throws -> RunConfig {
    try RunConfig(contentsOf: repositoryRoot.appendingPathComponent("examples/\(name)"))
}

/// The small run the resume tests and `scripts/fault-tests.sh` share (Fixtures/resume.toml).
func resumeFixture() throws -> RunConfig {
    try RunConfig(contentsOf: repositoryRoot.appendingPathComponent("Tests/LoupeTrainTests/Fixtures/resume.toml"))
}
