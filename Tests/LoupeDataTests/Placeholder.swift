import Testing
@testable import LoupeData

@Test func LoupeDataBuilds() {}
