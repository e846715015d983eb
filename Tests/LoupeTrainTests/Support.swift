import Foundation
import LoupeTrain
import LoupeTestSupport

func example(_ name: String) throws -> RunConfig {
    try RunConfig(contentsOf: repositoryRoot.appendingPathComponent("examples/\(name)"))
}
