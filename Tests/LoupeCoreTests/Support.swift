import Foundation
import LoupeTestSupport
import Testing
@testable import LoupeCore

/// The parsed PyTorch fixtures made by scripts/golden/make_golden.py.
enum Golden {
    static let root: [String: Any] = {
        let url = Bundle.module.url(forResource: "golden_ops", withExtension: "json", subdirectory: "Fixtures")!
        let data = try! Data(contentsOf: url)
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    static var cases: [[String: Any]] { root["cases"] as! [[String: Any]] }
    static var training: [[String: Any]] { root["training"] as! [[String: Any]] }

    static func tensor(_ json: Any?) -> Tensor { Fixture.tensor(json) }
}
