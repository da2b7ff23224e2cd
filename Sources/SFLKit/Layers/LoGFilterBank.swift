/// The paper's fixed band-pass layer: a bank of Laplacian-of-Gaussian
/// filters (Eq. 5), one output channel per σ.
///
/// Each kernel is `σ²∇²g(x, y) = −(2 − (x² + y²)/σ²) · g(x, y)` with
/// `g(x, y) = exp(−(x² + y²)/(2σ²)) / (2πσ²)`, sampled at integer offsets,
/// of size `⌈8σ⌉` (plus 1 if even): 7, 13 and 27 for σ = 0.8, 1.6, 3.2. The
/// weights are fixed (no gradient, no bias); the padding is zero "same".
///
/// By default (Eq. 2) output channel `f` sums `LoG_σf ⋆ input[c]` over the
/// colour channels `c`; `.perChannel` filters each channel separately. The
/// `.separable` method is exact and fast: it sums the colours first and uses
/// `LoG = b ⊗ a + a ⊗ b` (two separable passes per kernel).
public final class LoGFilterBank<Scalar: TensorScalar>: Layer, Sendable {
    /// How input channels map to output channels.
    public enum ChannelMode: Equatable, Sendable {
        /// The paper's layer: one output channel per σ, summed over the input channels (`[N, F, H, W]`).
        case sumOverChannels
        /// One output channel per input channel and σ (`[N, C·F, H, W]`, channel `c·F + f`).
        case perChannel
    }

    /// How the filters are applied; both give the same values (to rounding).
    public enum Method: Equatable, Sendable {
        /// Exact rank-2 separable passes, colour sum first.
        case separable
        /// The full 2-D kernels (slow for σ = 3.2: 27 × 27 taps).
        case direct
    }

    /// The scales σ of the filters, in output-channel order.
    public let sigmas: [Double]
    /// How input channels map to output channels.
    public let channelMode: ChannelMode
    /// How the filters are applied.
    public let method: Method
    /// The sampled kernels.
    let kernels: [LoGKernel]

    /// Creates a bank; by default the paper's σ = 0.8, 1.6, 3.2 summed over channels.
    ///
    /// - Precondition: at least one σ; every σ is positive.
    public init(sigmas: [Double] = [0.8, 1.6, 3.2], channelMode: ChannelMode = .sumOverChannels, method: Method = .separable) {
        check(!sigmas.isEmpty && sigmas.allSatisfy { $0 > 0 }, "LoGFilterBank: sigmas must be positive and not empty, got \(sigmas)")
        self.sigmas = sigmas
        self.channelMode = channelMode
        self.method = method
        kernels = sigmas.map { LoGKernel(sigma: $0) }
    }

    /// The side length of each kernel (`⌈8σ⌉`, plus 1 if even).
    public var kernelSizes: [Int] { kernels.map(\.size) }

    /// The sampled 2-D kernel of filter `index`, `[size, size]`.
    public func kernel(at index: Int) -> Tensor<Scalar> {
        check(kernels.indices.contains(index), "LoGFilterBank.kernel(at:): index \(index) is out of range for \(kernels.count) filters")
        let kernel = kernels[index]
        return Tensor(shape: [kernel.size, kernel.size], doubles: kernel.coefficients)
    }

    /// Filters `input` `[N, C, H, W]`; see ``ChannelMode`` for the output shape.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        input.filteredWithLoGBank(
            kernels, mode: channelMode == .sumOverChannels ? .sumOverChannels : .perChannel,
            method: method == .separable ? .separable : .direct)
    }
}
