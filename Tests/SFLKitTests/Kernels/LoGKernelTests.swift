import Foundation
import Testing
@testable import SFLKit

/// Tests of `LoGKernel` and of `filterBankForward` / `filterBankAdjoint`:
/// PyTorch's coefficients, the separable factorisation, a naive reference,
/// direct vs separable, the dot-product identity, and thread counts.
@Suite struct LoGKernelTests {
    typealias Support = FilterKernelTestSupport

    /// The paper's bank (σ = 0.8, 1.6, 3.2).
    static let paperBank = [0.8, 1.6, 3.2].map { LoGKernel(sigma: $0) }

    /// Geometries for the bank tests: SIMD bodies and tails, odd sizes,
    /// images smaller than the 27×27 kernel, a single pixel.
    static let shapes: [(batch: Int, channels: Int, height: Int, width: Int)] = [
        (2, 3, 9, 11), (1, 3, 5, 4), (1, 2, 12, 37), (1, 1, 1, 1), (2, 1, 30, 17), (1, 3, 3, 40),
    ]

    /// Every bank configuration under test (geometry and kernels).
    static var configurations: [(FilterBankGeometry, [LoGKernel])] {
        shapes.flatMap { shape in
            [FilterBankChannelMode.sumOverChannels, .perChannel].map { mode in
                (FilterBankGeometry(batch: shape.batch, channels: shape.channels, height: shape.height,
                                    width: shape.width, mode: mode), paperBank)
            }
        } + [(FilterBankGeometry(batch: 1, channels: 2, height: 6, width: 7, mode: .perChannel),
              [LoGKernel(sigma: 0.5), LoGKernel(sigma: 1)])]
    }

    /// Output element count of `g` with `filters` kernels.
    static func outputCount(_ g: FilterBankGeometry, filters: Int) -> Int {
        let planes = g.mode == .sumOverChannels ? filters : g.channels * filters
        return g.batch * planes * g.height * g.width
    }

    /// The naive forward: every output pixel sums every channel and tap, from the definition.
    static func naiveForward(_ input: [Double], _ g: FilterBankGeometry, _ kernels: [LoGKernel]) -> [Double] {
        var output: [Double] = []
        func correlate(_ n: Int, _ c: Int, _ kernel: LoGKernel, _ y: Int, _ x: Int) -> Double {
            var value = 0.0
            let r = kernel.radius
            for dy in -r...r {
                for dx in -r...r where (0..<g.height).contains(y + dy) && (0..<g.width).contains(x + dx) {
                    value += kernel.coefficients[(dy + r) * kernel.size + dx + r]
                        * input[((n * g.channels + c) * g.height + y + dy) * g.width + x + dx]
                }
            }
            return value
        }
        for n in 0..<g.batch {
            switch g.mode {
            case .sumOverChannels:
                for kernel in kernels {
                    for y in 0..<g.height {
                        for x in 0..<g.width {
                            output.append((0..<g.channels).reduce(0) { $0 + correlate(n, $1, kernel, y, x) })
                        }
                    }
                }
            case .perChannel:
                for c in 0..<g.channels {
                    for kernel in kernels {
                        for y in 0..<g.height {
                            for x in 0..<g.width { output.append(correlate(n, c, kernel, y, x)) }
                        }
                    }
                }
            }
        }
        return output
    }

    static func forward<S: TensorScalar>(
        _ type: S.Type, _ input: [Double], _ g: FilterBankGeometry, _ kernels: [LoGKernel],
        _ method: FilterBankMethod, threads: Int = 1
    ) -> [Double] {
        Support.run(type, input, outputCount: outputCount(g, filters: kernels.count)) {
            filterBankForward(input: $0, output: $1, geometry: g, kernels: kernels, method: method, threads: threads)
        }
    }

    static func adjoint<S: TensorScalar>(
        _ type: S.Type, _ gradient: [Double], _ g: FilterBankGeometry, _ kernels: [LoGKernel],
        _ method: FilterBankMethod, threads: Int = 1
    ) -> [Double] {
        Support.run(type, gradient, outputCount: g.batch * g.channels * g.height * g.width) {
            filterBankAdjoint(outputGradient: $0, inputGradient: $1, geometry: g, kernels: kernels,
                              method: method, threads: threads)
        }
    }

    @Test("kernel sizes are ⌈8σ⌉, plus 1 if even")
    func sizes() {
        #expect(Self.paperBank.map(\.size) == [7, 13, 27])
        #expect([0.1, 0.25, 0.5, 1, 1.5, 2].map { LoGKernel.size(sigma: $0) } == [1, 3, 5, 9, 13, 17])
        for kernel in Self.paperBank {
            #expect(kernel.coefficients.count == kernel.size * kernel.size)
            #expect(kernel.gaussian.count == kernel.size && kernel.secondFactor.count == kernel.size)
        }
    }

    @Test("coefficients match PyTorch's log_kernels_paper.json",
          .enabled(if: FilterKernelTestSupport.hasReference("log_kernels_paper.json"),
                   "skipped: ../shared/reference/log_kernels_paper.json (beside the package) is absent"))
    func coefficientsMatchReference() throws {
        let reference = try Support.reference("log_kernels_paper.json")
        #expect(reference.op == "log_kernel")
        let sigmas = try #require(reference.params.sigmas)
        #expect(sigmas == [0.8, 1.6, 3.2])
        for (i, sigma) in sigmas.enumerated() {
            let expected = try #require(reference.outputs["kernel_\(i)"])
            let kernel = LoGKernel(sigma: sigma)
            #expect(expected.shape == [kernel.size, kernel.size])
            #expect(Support.matches(kernel.coefficients, expected.data, absolute: 1e-9, relative: 1e-7), "σ = \(sigma)")
        }
    }

    @Test("the separable factors reproduce the 2-D kernel to 1e-15 and are symmetric")
    func separableFactors() {
        for kernel in Self.paperBank + [0.3, 0.5, 1, 2.2, 5].map({ LoGKernel(sigma: $0) }) {
            let (a, b, n) = (kernel.gaussian, kernel.secondFactor, kernel.size)
            var error = 0.0
            for y in 0..<n {
                for x in 0..<n {
                    error = max(error, abs(b[y] * a[x] + a[y] * b[x] - kernel.coefficients[y * n + x]))
                }
            }
            #expect(error <= 1e-15, "σ = \(kernel.sigma): \(error)")
            #expect(a == a.reversed() && b == b.reversed())
        }
    }

    @Test("forward matches the naive reference (Double 1e-12, Float 1e-5), both methods and modes")
    func forwardMatchesNaive() {
        for (index, (g, kernels)) in Self.configurations.enumerated() {
            let input = Support.values(g.batch * g.channels * g.height * g.width, seed: 300 + UInt64(index))
            let expected = Self.naiveForward(input, g, kernels)
            for method in [FilterBankMethod.direct, .separable] {
                #expect(Support.maxDifference(Self.forward(Double.self, input, g, kernels, method), expected) <= 1e-12,
                        "\(g) \(method)")
                #expect(Support.maxDifference(Self.forward(Float.self, input, g, kernels, method), expected) <= 1e-5,
                        "\(g) \(method)")
            }
        }
    }

    @Test("separable equals direct to 1e-12 in Double, forward and adjoint")
    func separableEqualsDirect() {
        for (index, (g, kernels)) in Self.configurations.enumerated() {
            let input = Support.values(g.batch * g.channels * g.height * g.width, seed: 400 + UInt64(index))
            let gradient = Support.values(Self.outputCount(g, filters: kernels.count), seed: 500 + UInt64(index))
            #expect(Support.maxDifference(Self.forward(Double.self, input, g, kernels, .separable),
                                          Self.forward(Double.self, input, g, kernels, .direct)) <= 1e-12, "\(g)")
            #expect(Support.maxDifference(Self.adjoint(Double.self, gradient, g, kernels, .separable),
                                          Self.adjoint(Double.self, gradient, g, kernels, .direct)) <= 1e-12, "\(g)")
        }
    }

    @Test("adjoint passes the dot-product test <A x, g> = <x, Aᵀ g> to 1e-12, both methods and modes")
    func adjointDotProduct() {
        for (index, (g, kernels)) in Self.configurations.enumerated() {
            let x = Support.values(g.batch * g.channels * g.height * g.width, seed: 600 + UInt64(index))
            let gradient = Support.values(Self.outputCount(g, filters: kernels.count), seed: 700 + UInt64(index))
            for method in [FilterBankMethod.direct, .separable] {
                let lhs = Support.dot(Self.forward(Double.self, x, g, kernels, method), gradient)
                let rhs = Support.dot(x, Self.adjoint(Double.self, gradient, g, kernels, method))
                #expect(abs(lhs - rhs) <= 1e-12 * max(1, abs(lhs)), "\(g) \(method): \(lhs) vs \(rhs)")
            }
        }
    }

    @Test("forward and adjoint are bit-identical for 1, 2 and 3 threads",
          arguments: [FilterBankChannelMode.sumOverChannels, .perChannel])
    func threadsBitIdentical(mode: FilterBankChannelMode) {
        let cases: [(FilterBankGeometry, FilterBankMethod)] = [
            (FilterBankGeometry(batch: 3, channels: 2, height: 20, width: 37, mode: mode), .separable),
            (FilterBankGeometry(batch: 3, channels: 1, height: 12, width: 13, mode: mode), .direct),
        ]
        for (g, method) in cases {
            let x = Support.values(g.batch * g.channels * g.height * g.width, seed: 9)
            let gradient = Support.values(Self.outputCount(g, filters: 3), seed: 10)
            let forward1 = Self.forward(Float.self, x, g, Self.paperBank, method, threads: 1)
            let adjoint1 = Self.adjoint(Float.self, gradient, g, Self.paperBank, method, threads: 1)
            for threads in [2, 3] {
                #expect(Self.forward(Float.self, x, g, Self.paperBank, method, threads: threads) == forward1)
                #expect(Self.adjoint(Float.self, gradient, g, Self.paperBank, method, threads: threads) == adjoint1)
            }
            #expect(Self.forward(Double.self, x, g, Self.paperBank, method, threads: 3)
                    == Self.forward(Double.self, x, g, Self.paperBank, method, threads: 1))
            #expect(Self.adjoint(Double.self, gradient, g, Self.paperBank, method, threads: 3)
                    == Self.adjoint(Double.self, gradient, g, Self.paperBank, method, threads: 1))
        }
    }

    @Test("planes split into several row bands match the naive reference")
    func rowBands() {
        let g = FilterBankGeometry(batch: 1, channels: 1, height: 70, width: 64, mode: .sumOverChannels)
        let input = Support.values(g.height * g.width, seed: 12)
        let expected = Self.naiveForward(input, g, Self.paperBank)
        #expect(Support.maxDifference(Self.forward(Double.self, input, g, Self.paperBank, .separable), expected) <= 1e-12)
        let gradient = Support.values(3 * g.height * g.width, seed: 13)
        let lhs = Support.dot(Self.forward(Double.self, input, g, Self.paperBank, .separable), gradient)
        let rhs = Support.dot(input, Self.adjoint(Double.self, gradient, g, Self.paperBank, .separable))
        #expect(abs(lhs - rhs) <= 1e-12 * max(1, abs(lhs)))
    }

    @Test("in sum mode every input channel's gradient is the same plane")
    func sumModeGradientIsShared() {
        let g = FilterBankGeometry(batch: 2, channels: 3, height: 8, width: 9, mode: .sumOverChannels)
        let gradient = Support.values(Self.outputCount(g, filters: 3), seed: 11)
        let result = Self.adjoint(Double.self, gradient, g, Self.paperBank, .separable)
        let plane = g.height * g.width
        for n in 0..<g.batch {
            let first = Array(result[(n * 3) * plane ..< (n * 3 + 1) * plane])
            for c in 1..<3 {
                #expect(Array(result[(n * 3 + c) * plane ..< (n * 3 + c + 1) * plane]) == first)
            }
        }
    }

    @Test("the bank matches PyTorch's log_filter_bank.json (forward and input gradient)",
          .enabled(if: FilterKernelTestSupport.hasReference("log_filter_bank.json"),
                   "skipped: ../shared/reference/log_filter_bank.json (beside the package) is absent"),
          arguments: [FilterBankMethod.direct, .separable])
    func bankMatchesReference(method: FilterBankMethod) throws {
        let reference = try Support.reference("log_filter_bank.json")
        #expect(reference.op == "log_filter_bank" && reference.params.channels == "sum")
        let kernels = try #require(reference.params.sigmas).map { LoGKernel(sigma: $0) }
        let input = try #require(reference.inputs["input"])
        let output = try #require(reference.outputs["output"])
        let upstream = try #require(reference.upstream)
        let gradient = try #require(reference.grads?["input"])
        let g = FilterBankGeometry(batch: input.shape[0], channels: input.shape[1], height: input.shape[2],
                                   width: input.shape[3], mode: .sumOverChannels)
        #expect(output.shape == [g.batch, kernels.count, g.height, g.width])
        #expect(Support.matches(Self.forward(Double.self, input.data, g, kernels, method), output.data,
                                absolute: 1e-9, relative: 1e-7))
        #expect(Support.matches(Self.adjoint(Double.self, upstream.data, g, kernels, method), gradient.data,
                                absolute: 1e-9, relative: 1e-7))
        #expect(Support.matches(Self.forward(Float.self, input.data, g, kernels, method), output.data,
                                absolute: 1e-4, relative: 1e-3))
        #expect(Support.matches(Self.adjoint(Float.self, upstream.data, g, kernels, method), gradient.data,
                                absolute: 1e-4, relative: 1e-3))
    }
}
