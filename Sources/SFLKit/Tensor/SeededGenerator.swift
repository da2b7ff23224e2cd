/// A fast, seedable, reproducible random number generator (xoshiro256**,
/// seeded through SplitMix64), for initialisers and synthetic data.
///
/// SFLKit never uses a global generator: every random operation takes one as
/// an `inout` argument, so a run is reproduced exactly by its seed. The
/// ``state`` can be saved in a checkpoint and restored.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable, Codable {
    /// The four words of generator state.
    public private(set) var state: [UInt64]

    /// Creates a generator whose sequence is determined by `seed`.
    public init(seed: UInt64) {
        var mixer = seed
        state = (0..<4).map { _ in
            mixer &+= 0x9E37_79B9_7F4A_7C15
            var z = mixer
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Restores a generator from a saved ``state``.
    ///
    /// - Precondition: `state` has four words, not all zero.
    public init(state: [UInt64]) {
        check(state.count == 4 && state.contains { $0 != 0 }, "SeededGenerator(state:): expected four words, not all zero, got \(state)")
        self.state = state
    }

    /// Returns the next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotateLeft(state[1] &* 5, by: 7) &* 9
        let shifted = state[1] << 17
        state[2] ^= state[0]
        state[3] ^= state[1]
        state[1] ^= state[2]
        state[0] ^= state[3]
        state[2] ^= shifted
        state[3] = rotateLeft(state[3], by: 45)
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

import Foundation
