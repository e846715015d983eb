import Foundation
import Testing
@testable import LoupeCore

/// The spinning worker pool: every part runs exactly once per dispatch, callers on several
/// threads are served one at a time, and a pool that went to sleep wakes up for new work.
struct WorkerPoolTests {
    @Test func everyPartRunsOncePerDispatch() {
        let pool = WorkerPool.shared
        for parts in [1, 2, 3, 8] {
            let expected = min(parts, pool.workers + 1)
            for _ in 0..<2_000 {
                let counts = UnsafeMutablePointer<Int>.allocate(capacity: 16)
                counts.initialize(repeating: 0, count: 16)
                pool.run(parts: parts) { part, total in counts[part] += total == expected ? 1 : 100 }
                #expect((0..<expected).allSatisfy { counts[$0] == 1 })
                counts.deallocate()
            }
        }
    }

    @Test func concurrentCallersAndSleepingWorkers() {
        let pool = WorkerPool(workers: 1)
        let sums = UnsafeMutablePointer<Int>.allocate(capacity: 4)
        sums.initialize(repeating: 0, count: 4)
        DispatchQueue.concurrentPerform(iterations: 4) { caller in
            for _ in 0..<500 {
                let slots = UnsafeMutablePointer<Int>.allocate(capacity: 2)
                slots.initialize(repeating: 0, count: 2)
                pool.run(parts: 2) { part, _ in slots[part] = part + 1 }
                sums[caller] += slots[0] + slots[1]
                slots.deallocate()
            }
        }
        #expect((0..<4).allSatisfy { sums[$0] == 1_500 })
        Thread.sleep(forTimeInterval: 0.05)   // long enough for the worker to go to sleep
        pool.run(parts: 2) { part, _ in sums[part] = -1 }
        #expect(sums[0] == -1 && sums[1] == -1)
        sums.deallocate()
    }
}
