import Foundation
import Testing
@testable import SFLKit

/// Tests of `resampleForward` / `resampleAdjoint` against a naive per-pixel
/// reference, PyTorch's vectors, the dot-product identity, and across thread counts.
@Suite struct ResampleKernelTests {
    typealias Support = FilterKernelTestSupport

    /// The modes under test.
    static let modes: [ResampleMode] = [.nearest, .bilinear(alignCorners: false), .bilinear(alignCorners: true)]

    /// (input height, input width, output height, output width): up, down, odd, mixed, identity, 1×1.
    static let sizes: [(Int, Int, Int, Int)] = [
        (4, 5, 8, 10), (5, 6, 9, 11), (7, 8, 15, 17), (13, 15, 25, 30), (9, 11, 4, 5),
        (7, 9, 3, 4), (6, 4, 3, 12), (1, 1, 3, 2), (3, 4, 1, 1), (1, 1, 1, 1), (6, 6, 6, 6),
        (2, 3, 7, 19), (19, 21, 20, 20),
    ]

    /// Every geometry under test: each size with each mode, 2 planes.
    static var geometries: [ResampleGeometry] {
        modes.flatMap { mode in
            sizes.map { ResampleGeometry(planes: 2, inputHeight: $0.0, inputWidth: $0.1,
                                         outputHeight: $0.2, outputWidth: $0.3, mode: mode) }
        }
    }

    /// The input index and weight pairs one output index reads along an axis,
    /// written from PyTorch's definitions independently of the kernel's tables.
    static func naiveTaps(_ o: Int, input: Int, output: Int, mode: ResampleMode) -> [(Int, Double)] {
        switch mode {
        case .nearest:
            if input == output { return [(o, 1)] }
            let scale = Float(input) / Float(output)
            return [(min(Int(floorf(Float(o) * scale)), input - 1), 1)]
        case .bilinear(let alignCorners):
            let source: Double
            if alignCorners {
                source = output == 1 ? 0 : Double(o) * Double(input - 1) / Double(output - 1)
            } else {
                source = max((Double(o) + 0.5) * Double(input) / Double(output) - 0.5, 0)
            }
            let i0 = min(Int(floor(source)), input - 1)
            let i1 = min(i0 + 1, input - 1)
            let lambda = min(max(source - Double(i0), 0), 1)
            return [(i0, 1 - lambda), (i1, lambda)]
        }
    }

    /// The naive forward: every output pixel sums its row × column taps.
    static func naiveForward(_ input: [Double], _ g: ResampleGeometry) -> [Double] {
        var output: [Double] = []
        for p in 0..<g.planes {
            for y in 0..<g.outputHeight {
                let rows = naiveTaps(y, input: g.inputHeight, output: g.outputHeight, mode: g.mode)
                for x in 0..<g.outputWidth {
                    let columns = naiveTaps(x, input: g.inputWidth, output: g.outputWidth, mode: g.mode)
                    var value = 0.0
                    for (i, wy) in rows {
                        for (j, wx) in columns {
                            value += wy * wx * input[(p * g.inputHeight + i) * g.inputWidth + j]
                        }
                    }
                    output.append(value)
                }
            }
        }
        return output
    }

    /// `resampleForward` of `input` in `S`, as `Double`.
    static func forward<S: TensorScalar>(_ type: S.Type, _ input: [Double], _ g: ResampleGeometry, threads: Int = 1) -> [Double] {
        Support.run(type, input, outputCount: g.planes * g.outputHeight * g.outputWidth) {
            resampleForward(input: $0, output: $1, geometry: g, threads: threads)
        }
    }

    /// `resampleAdjoint` of `gradient` in `S`, as `Double`.
    static func adjoint<S: TensorScalar>(_ type: S.Type, _ gradient: [Double], _ g: ResampleGeometry, threads: Int = 1) -> [Double] {
        Support.run(type, gradient, outputCount: g.planes * g.inputHeight * g.inputWidth) {
            resampleAdjoint(outputGradient: $0, inputGradient: $1, geometry: g, threads: threads)
        }
    }

    @Test("forward matches the naive per-pixel reference (Double 1e-12, Float 1e-5)")
    func forwardMatchesNaive() {
        for (index, g) in Self.geometries.enumerated() {
            let input = Support.values(g.planes * g.inputHeight * g.inputWidth, seed: UInt64(index))
            let expected = Self.naiveForward(input, g)
            #expect(Support.maxDifference(Self.forward(Double.self, input, g), expected) <= 1e-12, "\(g)")
            #expect(Support.maxDifference(Self.forward(Float.self, input, g), expected) <= 1e-5, "\(g)")
        }
    }

    @Test("the paper's decoder geometry 113×150 → 225×300 (bilinear, corners not aligned): naive and dot-product checks")
    func paperDecoderGeometry() {
        let g = ResampleGeometry(planes: 1, inputHeight: 113, inputWidth: 150, outputHeight: 225, outputWidth: 300,
                                 mode: .bilinear(alignCorners: false))
        let x = Support.values(113 * 150, seed: 14)
        let gradient = Support.values(225 * 300, seed: 15)
        let output = Self.forward(Double.self, x, g)
        #expect(Support.maxDifference(output, Self.naiveForward(x, g)) <= 1e-12)
        let lhs = Support.dot(output, gradient), rhs = Support.dot(x, Self.adjoint(Double.self, gradient, g))
        #expect(abs(lhs - rhs) <= 1e-12 * max(1, abs(lhs)))
    }

    @Test("bilinear ×2 maps are recognised (the decoder's columns and their transpose), other maps are not")
    func doublingRecognised() {
        let columns = ResampleAxis(inputCount: 150, outputCount: 300, mode: .bilinear(alignCorners: false))
        #expect(BilinearDoubling(columns) == BilinearDoubling(direction: .upsampling, interior: 2..<298))
        #expect(BilinearDoubling(columns.transposed()) == BilinearDoubling(direction: .adjoint, interior: 2..<149))
        #expect(BilinearDoubling(ResampleAxis(inputCount: 113, outputCount: 225, mode: .bilinear(alignCorners: false))) == nil)
        #expect(BilinearDoubling(ResampleAxis(inputCount: 150, outputCount: 300, mode: .bilinear(alignCorners: true))) == nil)
        #expect(BilinearDoubling(ResampleAxis(inputCount: 150, outputCount: 300, mode: .nearest)) == nil)
        #expect(BilinearDoubling(ResampleAxis(inputCount: 2, outputCount: 4, mode: .bilinear(alignCorners: false))) == nil)
    }

    @Test("along a bilinear ×2 axis, forward and adjoint give the table's sums bit for bit in Float")
    func doublingBitIdentical() {
        let g = ResampleGeometry(planes: 1, inputHeight: 1, inputWidth: 150, outputHeight: 1, outputWidth: 300,
                                 mode: .bilinear(alignCorners: false))
        let x = Support.values(150, seed: 16).map { Float($0) }
        let gradient = Support.values(300, seed: 17).map { Float($0) }
        let taps = (0..<300).map { Self.naiveTaps($0, input: 150, output: 300, mode: g.mode) }
        // The forward: each output's taps in order; the adjoint: each input's readers in increasing output order.
        let expectedForward = taps.map { $0.reduce(Float(0)) { $0 + Float($1.1) * x[$1.0] } }
        var expectedAdjoint = [Float](repeating: 0, count: 150)
        var started = [Bool](repeating: false, count: 150)
        for (o, list) in taps.enumerated() {
            for (i, w) in list {
                let term = Float(w) * gradient[o]
                expectedAdjoint[i] = started[i] ? expectedAdjoint[i] + term : term
                started[i] = true
            }
        }
        let forward = Self.forward(Float.self, x.map { Double($0) }, g).map { Float($0) }
        let adjoint = Self.adjoint(Float.self, gradient.map { Double($0) }, g).map { Float($0) }
        #expect(forward == expectedForward)
        #expect(adjoint == expectedAdjoint)
    }

    @Test("nearest with an integer ratio reads input ⌊o·in/out⌋")
    func nearestIntegerRatios() {
        for (inSize, outSize) in [(3, 6), (4, 12), (5, 15), (6, 3), (9, 3), (7, 7)] {
            let axis = ResampleAxis(inputCount: inSize, outputCount: outSize, mode: .nearest)
            #expect(axis.source == (0..<outSize).map { $0 * inSize / outSize }, "\(inSize) → \(outSize)")
            #expect(axis.weight.allSatisfy { $0 == 1 })
        }
    }

    @Test("adjoint passes the dot-product test <A x, g> = <x, Aᵀ g> to 1e-12")
    func adjointDotProduct() {
        for (index, g) in Self.geometries.enumerated() {
            let x = Support.values(g.planes * g.inputHeight * g.inputWidth, seed: 100 + UInt64(index))
            let gradient = Support.values(g.planes * g.outputHeight * g.outputWidth, seed: 200 + UInt64(index))
            let lhs = Support.dot(Self.forward(Double.self, x, g), gradient)
            let rhs = Support.dot(x, Self.adjoint(Double.self, gradient, g))
            #expect(abs(lhs - rhs) <= 1e-12 * max(1, abs(lhs)), "\(g): \(lhs) vs \(rhs)")
        }
    }

    @Test("adjoint writes zeros where no output reads the input (downsampling)")
    func adjointZerosUnreadInputs() {
        let g = ResampleGeometry(planes: 1, inputHeight: 6, inputWidth: 6, outputHeight: 2, outputWidth: 2, mode: .nearest)
        let result = Self.adjoint(Double.self, [1, 2, 3, 4], g)
        var expected = [Double](repeating: 0, count: 36)
        expected[0] = 1; expected[3] = 2; expected[18] = 3; expected[21] = 4
        #expect(result == expected)
    }

    @Test("forward and adjoint are bit-identical for 1, 2 and 3 threads",
          arguments: [ResampleMode.nearest, .bilinear(alignCorners: false), .bilinear(alignCorners: true)])
    func threadsBitIdentical(mode: ResampleMode) {
        for (inH, inW, outH, outW) in [(20, 25, 80, 100), (80, 100, 21, 25)] {
            let g = ResampleGeometry(planes: 10, inputHeight: inH, inputWidth: inW, outputHeight: outH, outputWidth: outW, mode: mode)
            let x = Support.values(g.planes * inH * inW, seed: 7)
            let gradient = Support.values(g.planes * outH * outW, seed: 8)
            let forward1 = Self.forward(Float.self, x, g, threads: 1)
            let adjoint1 = Self.adjoint(Float.self, gradient, g, threads: 1)
            for threads in [2, 3] {
                #expect(Self.forward(Float.self, x, g, threads: threads) == forward1)
                #expect(Self.adjoint(Float.self, gradient, g, threads: threads) == adjoint1)
            }
            #expect(Self.forward(Double.self, x, g, threads: 3) == Self.forward(Double.self, x, g, threads: 1))
            #expect(Self.adjoint(Double.self, gradient, g, threads: 3) == Self.adjoint(Double.self, gradient, g, threads: 1))
        }
    }

    @Test("matches PyTorch's bilinear vectors (forward and input gradient)",
          .enabled(if: ["upsample_x2.json", "upsample_odd_size.json", "upsample_align_corners.json"]
                    .allSatisfy(FilterKernelTestSupport.hasReference),
                   "the PyTorch reference vectors (../shared/reference beside the package) are absent"),
          arguments: ["upsample_x2.json", "upsample_odd_size.json", "upsample_align_corners.json"])
    func matchesPyTorch(file: String) throws {
        let reference = try Support.reference(file)
        #expect(reference.op == "upsample_bilinear")
        let input = try #require(reference.inputs["input"])
        let output = try #require(reference.outputs["output"])
        let upstream = try #require(reference.upstream)
        let gradient = try #require(reference.grads?["input"])
        let size = try #require(reference.params.size)
        let g = ResampleGeometry(planes: input.shape[0] * input.shape[1], inputHeight: input.shape[2], inputWidth: input.shape[3],
                                 outputHeight: size[0], outputWidth: size[1],
                                 mode: .bilinear(alignCorners: reference.params.align_corners ?? false))
        #expect(output.shape == [input.shape[0], input.shape[1], size[0], size[1]])
        #expect(Support.matches(Self.forward(Double.self, input.data, g), output.data, absolute: 1e-9, relative: 1e-7))
        #expect(Support.matches(Self.adjoint(Double.self, upstream.data, g), gradient.data, absolute: 1e-9, relative: 1e-7))
        #expect(Support.matches(Self.forward(Float.self, input.data, g), output.data, absolute: 1e-4, relative: 1e-3))
        #expect(Support.matches(Self.adjoint(Float.self, upstream.data, g), gradient.data, absolute: 1e-4, relative: 1e-3))
    }
}
