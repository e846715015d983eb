import Testing
@testable import LoupeIO

@Test func LoupeIOBuilds() {}
