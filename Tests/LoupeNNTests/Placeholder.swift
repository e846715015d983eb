import Testing
@testable import LoupeNN

@Test func LoupeNNBuilds() {}
