import Foundation
import Testing
import SFLKit

/// Programmer errors stop the process with a message naming the op and the
/// shapes (each case runs in a child process).
@Suite struct ProgrammerErrorTests {
    @Test func shapeMismatchNamesOpAndShapes() async throws {
        let result = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor<Float>(zeros: [2, 3]) + Tensor<Float>(zeros: [4, 3])
        }
        let message = String(decoding: result.standardErrorContent, as: UTF8.self)
        #expect(message.contains("add: shapes [2, 3] and [4, 3] cannot be broadcast together"), "\(message)")
    }

    @Test func badAxisNamesOpAndShape() async throws {
        let result = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor<Double>(zeros: [2, 3]).sum(alongAxes: [2])
        }
        let message = String(decoding: result.standardErrorContent, as: UTF8.self)
        #expect(message.contains("sum(alongAxes:): axis 2 is out of range for shape [2, 3]"), "\(message)")
    }

    @Test func convolutionAndConcatenationMessages() async throws {
        let conv = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor<Float>(zeros: [1, 3, 8, 8]).conv2D(weight: Tensor<Float>(zeros: [4, 2, 3, 3]))
        }
        let convMessage = String(decoding: conv.standardErrorContent, as: UTF8.self)
        #expect(convMessage.contains("conv2D: input [1, 3, 8, 8] and weight [4, 2, 3, 3]"), "\(convMessage)")
        let join = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor(concatenating: [Tensor<Float>(zeros: [1, 2, 4, 4]), Tensor<Float>(zeros: [1, 2, 5, 4])], alongAxis: 1)
        }
        let joinMessage = String(decoding: join.standardErrorContent, as: UTF8.self)
        #expect(joinMessage.contains("[[1, 2, 4, 4], [1, 2, 5, 4]] differ outside the axis"), "\(joinMessage)")
    }

    @Test func gradientsOfAnUnrecordedComputationStop() async throws {
        let result = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let w = Tensor<Float>(ones: [2]).requiringGradient()
            _ = withoutGradients { (w * w).sum() }.gradients(withRespectTo: [w])
        }
        let message = String(decoding: result.standardErrorContent, as: UTF8.self)
        #expect(message.contains("has no recorded graph"), "\(message)")
    }

    @Test func matmulMismatchAndBackwardWithoutGradient() async {
        await #expect(processExitsWith: .failure) {
            _ = Tensor<Float>(zeros: [2, 3]).matmul(Tensor<Float>(zeros: [2, 3]))
        }
        await #expect(processExitsWith: .failure) {
            Tensor<Float>(zeros: [1]).sum().backward()
        }
    }
}
