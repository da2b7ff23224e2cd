import Foundation

/// A fast, seedable, reproducible random number generator (xoshiro256**,
/// seeded through SplitMix64), for initialisers and synthetic data.
///
/// SFLKit never uses a global generator: every random operation takes one as
/// an `inout` argument, so a run is reproduced exactly by its seed. The
/// ``state`` can be saved in a checkpoint and restored.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable, Codable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// The four words of generator state.
    public var state: [UInt64] { [s0, s1, s2, s3] }

    /// Creates a generator whose sequence is determined by `seed`.
    public init(seed: UInt64) {
        var mixer = seed
        func splitMix() -> UInt64 {
            mixer &+= 0x9E37_79B9_7F4A_7C15
            var z = mixer
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    /// Restores a generator from a saved ``state``.
    ///
    /// - Precondition: `state` has four words, not all zero.
    public init(state: [UInt64]) {
        check(Self.isValid(state), "SeededGenerator(state:): expected four words, not all zero, got \(state)")
        (s0, s1, s2, s3) = (state[0], state[1], state[2], state[3])
    }

    /// Whether `state` can be a generator's state (four words, not all zero).
    public static func isValid(_ state: [UInt64]) -> Bool {
        state.count == 4 && state.contains { $0 != 0 }
    }

    /// Decodes a saved state, throwing on one that is not four words or is all zero.
    public init(from decoder: any Decoder) throws {
        let state = try decoder.singleValueContainer().decode([UInt64].self)
        guard Self.isValid(state) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "generator state must be four words, not all zero"))
        }
        (s0, s1, s2, s3) = (state[0], state[1], state[2], state[3])
    }

    /// Encodes the state as an array of four words.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(state)
    }

    /// Returns the next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, by: 7) &* 9
        let shifted = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= shifted
        s3 = rotateLeft(s3, by: 45)
        return result
    }

    /// Returns a sample of the normal distribution with the given mean and
    /// standard deviation (Box–Muller transform; one uniform pair per sample).
    public mutating func nextNormal(mean: Double = 0, standardDeviation: Double = 1) -> Double {
        // u1 in (0, 1], so log(u1) is finite.
        let u1 = Double(next() >> 11 &+ 1) * 0x1.0p-53
        let u2 = Double(next() >> 11) * 0x1.0p-53
        return mean + standardDeviation * (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }

    private func rotateLeft(_ value: UInt64, by amount: UInt64) -> UInt64 {
        (value << amount) | (value >> (64 - amount))
    }
}
