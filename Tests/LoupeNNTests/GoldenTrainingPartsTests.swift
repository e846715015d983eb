import Foundation
import LoupeCore
import LoupeTestSupport
import Testing
@testable import LoupeNN

/// Losses, optimizers, schedules and clipping against PyTorch.
@Suite("Golden: losses, optimizers, schedules")
struct GoldenTrainingPartsTests {
    static var root: [String: Any] { GoldenLayerTests.root }
    static let lossNames = (root["losses"] as! [[String: Any]]).map { $0["name"] as! String }
    static let optimizerNames = (root["optimizers"] as! [[String: Any]]).map { $0["name"] as! String }
    static let scheduleNames = (root["schedules"] as! [[String: Any]]).map { $0["name"] as! String }

    static func entry(_ section: String, _ name: String) -> [String: Any] {
        (root[section] as! [[String: Any]]).first { $0["name"] as! String == name }!
    }

    @Test("loss value and gradient", arguments: lossNames)
    func loss(name: String) throws {
        let e = Self.entry("losses", name)
        let p = Fixture.tensor(e["prediction"]), t = Fixture.tensor(e["target"])
        p.requiresGrad = true
        let value: Tensor
        switch name {
        case "cross_entropy": value = try Loss.crossEntropy(p, t)
        case "cross_entropy smoothing 0.1": value = try Loss.crossEntropy(p, t, labelSmoothing: 0.1)
        case "nll": value = try Loss.nll(p, t)
        case "bce_with_logits": value = try Loss.binaryCrossEntropy(logits: p, targets: t)
        case "mse": value = try Loss.mse(p, t)
        case "l1": value = try Loss.l1(p, t)
        case "huber": value = try Loss.huber(p, t, delta: 0.7)
        default: Issue.record("unmapped loss \(name)"); return
        }
        let expected = (e["value"] as! NSNumber).doubleValue
        let actual = try value.item()
        #expect(Swift.abs(actual - expected) <= 1e-5 * Swift.max(1, Swift.abs(expected)), "\(name): \(actual) vs \(expected)")
        try value.backward()
        expectClose(p.grad!, Fixture.tensor(e["grad"]), "\(name) gradient")
    }

    @Test("optimizer steps", arguments: optimizerNames)
    func optimizer(name: String) throws {
        let e = Self.entry("optimizers", name)
        let p = Parameter(Fixture.tensor(e["start"]))
        let opt: Optimizer
        switch name {
        case "sgd": opt = try SGD([p], lr: 0.1)
        case "sgd momentum weight_decay": opt = try SGD([p], lr: 0.1, momentum: 0.9, weightDecay: 0.01)
        case "sgd nesterov": opt = try SGD([p], lr: 0.1, momentum: 0.9, nesterov: true)
        case "adam": opt = try Adam([p], lr: 0.01)
        case "adam weight_decay": opt = try Adam([p], lr: 0.01, weightDecay: 0.1)
        case "adamw": opt = try Adam.adamW([p], lr: 0.01, weightDecay: 0.1)
        case "rmsprop": opt = try RMSprop([p], lr: 0.01)
        case "adagrad": opt = try Adagrad([p], lr: 0.1)
        default: Issue.record("unmapped optimizer \(name)"); return
        }
        for (i, (g, after)) in zip(e["grads"] as! [Any], e["after_each_step"] as! [Any]).enumerated() {
            p.value.grad = Fixture.tensor(g)
            try opt.step()
            expectClose(p.value, Fixture.tensor(after), rtol: 1e-5, atol: 1e-6, "\(name) after step \(i + 1)")
        }
    }

    @Test("learning-rate schedules", arguments: scheduleNames)
    func schedule(name: String) throws {
        let e = Self.entry("schedules", name)
        let expected = (e["lrs"] as! [NSNumber]).map(\.doubleValue)
        var scheduler: LearningRateScheduler
        switch name {
        case "step": scheduler = LearningRateScheduler(baseLR: 0.5, schedule: .step(stepSize: 3, gamma: 0.5))
        case "exponential": scheduler = LearningRateScheduler(baseLR: 0.5, schedule: .exponential(gamma: 0.9))
        case "cosine": scheduler = LearningRateScheduler(baseLR: 0.5, schedule: .cosine(warmup: 0, totalSteps: 10, minFactor: 0.1))
        case "plateau":
            scheduler = LearningRateScheduler(baseLR: 0.5, schedule: .constant, reduceOnPlateau: (0.5, 2, 1e-4))
        default: Issue.record("unmapped schedule \(name)"); return
        }
        let metrics = (e["metrics"] as? [NSNumber])?.map(\.doubleValue)
        for (step, lr) in expected.enumerated() {
            #expect(Swift.abs(scheduler.rate(step: step) - lr) < 1e-9, "\(name) step \(step): \(scheduler.rate(step: step)) vs \(lr)")
            if let metrics { scheduler.observe(metric: metrics[step]) }
        }
    }

    @Test("gradient clipping by global norm")
    func clipping() throws {
        let c = Self.root["clip"] as! [String: Any]
        let grads = (c["grads"] as! [Any]).map(Fixture.tensor)
        let params = grads.map { g -> Parameter in
            let p = Parameter(Tensor.zeros(g.shape))
            p.value.grad = g
            return p
        }
        let norm = try GradientClipping.clipNorm(params, maxNorm: (c["max_norm"] as! NSNumber).doubleValue)
        #expect(Swift.abs(norm - (c["norm"] as! NSNumber).doubleValue) < 1e-5)
        for (p, expected) in zip(params, c["clipped"] as! [Any]) {
            expectClose(p.grad!, Fixture.tensor(expected), "clipped gradient")
        }
    }

    @Test("warm-up rises linearly, then the cosine falls to its floor")
    func warmupCosine() {
        let s = LearningRateScheduler(baseLR: 1, schedule: .cosine(warmup: 4, totalSteps: 14, minFactor: 0.1))
        #expect(s.rate(step: 0) == 0.25 && s.rate(step: 3) == 1)
        #expect(Swift.abs(s.rate(step: 4) - 1) < 1e-12 && Swift.abs(s.rate(step: 14) - 0.1) < 1e-12)
        #expect(s.rate(step: 9) < s.rate(step: 5))
    }
}
