import Foundation
import Testing
@testable import SFLKit

/// The temporary files of writes to `name` in `folder`, sorted.
private func temporaryFiles(in folder: URL, of name: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: folder.path)
        .filter { $0.hasPrefix(".\(name).") && $0.hasSuffix(".tmp") }
        .sorted()
}

@Suite("Atomic writes: stale temporary files removed, live ones kept")
struct AtomicFileTests {
    @Test func staleTemporaryFilesOfTheSameTargetAreRemovedOnTheNextWrite() throws {
        let folder = try makeTemporaryFolder("sflkit-atomic-stale")
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("model.ckpt")
        let stale = [".model.ckpt.\(UUID().uuidString).tmp", ".model.ckpt.\(UUID().uuidString).tmp"]
        let kept = [".model.ckpt.backup.tmp", ".other.ckpt.\(UUID().uuidString).tmp", "model.ckpt.\(UUID().uuidString).tmp"]
        for name in stale + kept { try Data("partial".utf8).write(to: folder.appendingPathComponent(name)) }
        try writeAtomically([1, 2, 3], to: target)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == (kept + ["model.ckpt"]).sorted())
        #expect(try [UInt8](Data(contentsOf: target)) == [1, 2, 3])
    }

    @Test func aTemporaryFileLockedByALiveWriterIsLeftAlone() throws {
        let folder = try makeTemporaryFolder("sflkit-atomic-live")
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("model.ckpt")
        let live = folder.appendingPathComponent(".model.ckpt.\(UUID().uuidString).tmp")
        try Data("being written".utf8).write(to: live)
        // O_CLOEXEC: a child spawned meanwhile by another test (the kill test) must not inherit the lock.
        let descriptor = open(live.path, O_RDONLY | O_CLOEXEC)
        try #require(descriptor >= 0 && flock(descriptor, LOCK_EX) == 0)
        try writeAtomically([4], to: target)
        #expect(FileManager.default.fileExists(atPath: live.path))
        close(descriptor)   // its writer "dies": the lock is released
        try writeAtomically([5], to: target)
        #expect(!FileManager.default.fileExists(atPath: live.path))
        #expect(try [UInt8](Data(contentsOf: target)) == [5])
    }
}

/// A child process writes checkpoints in a loop and is killed (SIGKILL) at
/// random moments: the destination must always decode, as the old or the new
/// state, and the next write must remove what the killed writer left.
///
/// The child is this test binary itself, run with ``destinationVariable`` set
/// so that only ``writerChild()`` runs, as the writer.
@Suite("Atomic writes survive SIGKILL")
struct AtomicWriteKillTests {
    /// Names the destination for the child; set only in the child.
    static let destinationVariable = "SFLKIT_TEST_KILLED_WRITER_DESTINATION"
    /// The line the child prints when it starts writing.
    static let readyLine = "sflkit-test-writer-ready"
    /// How many times a writer is started and killed.
    static let kills = 50

    /// The two states written: 64 KiB of tensor data each, told apart by their values.
    static let oldState = CheckpointFileTests.checkpoint(1, count: 1 << 14)
    static let newState = CheckpointFileTests.checkpoint(2, count: 1 << 14)

    /// The writer: runs only in the child, writing the new and the old state
    /// in turn until it is killed (or its parent goes away).
    @Test(.enabled(if: ProcessInfo.processInfo.environment[destinationVariable] != nil,
                   "runs only as the child process of aKilledWriterLeavesTheOldOrTheNewState"))
    func writerChild() throws {
        let destination = URL(fileURLWithPath: try #require(ProcessInfo.processInfo.environment[Self.destinationVariable]))
        // Encoded once, so that the child spends its time writing (`Checkpoint.write(to:)` is this write of its encoding).
        let states = [Self.newState.encoded(), Self.oldState.encoded()]
        FileHandle.standardOutput.write(Data((Self.readyLine + "\n").utf8))
        let parent = getppid()
        var count = 0
        while getppid() == parent {
            try writeAtomically(states[count % 2], to: destination)
            count += 1
        }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/self/exe"), "finds its own binary through /proc (Linux)"))
    func aKilledWriterLeavesTheOldOrTheNewState() throws {
        let folder = try makeTemporaryFolder("sflkit-atomic-kill")
        defer { try? FileManager.default.removeItem(at: folder) }
        let destination = folder.appendingPathComponent("state.ckpt")
        try Self.oldState.write(to: destination)
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        var generator = SplitMix64(seed: 23)
        var newStateSeen = 0, killedMidWrite = 0
        for kill in 0..<Self.kills {
            let delay = useconds_t(generator.next() % 20_000)   // up to 20 ms after the writer starts
            try Self.startAndKillWriter(executable, destination: destination, after: delay)
            let read = try Checkpoint<Float>(contentsOf: destination)
            let scalars = read.model.parameters.map(\.value.scalars)
            let isNew = scalars == Self.newState.model.parameters.map(\.value.scalars) && read.metadata == Self.newState.metadata
            let isOld = scalars == Self.oldState.model.parameters.map(\.value.scalars) && read.metadata == Self.oldState.metadata
            #expect(isNew || isOld, "kill \(kill): the destination holds \(read.metadata)")
            if isNew { newStateSeen += 1 }
            let left = try temporaryFiles(in: folder, of: "state.ckpt")
            #expect(left.count <= 1, "kill \(kill): \(left)")
            if !left.isEmpty { killedMidWrite += 1 }
            // The next write removes what the killed writer left, and puts the old state back.
            try Self.oldState.write(to: destination)
            #expect(try temporaryFiles(in: folder, of: "state.ckpt").isEmpty)
        }
        // The kills fell both inside a write and after a complete one.
        #expect(killedMidWrite > 0)
        #expect(newStateSeen > 0)
    }

    /// Starts this test binary as the writer of `destination`, waits until it
    /// starts writing, waits `delay` microseconds more, and kills it.
    ///
    /// `posix_spawn` and `waitpid` rather than `Process`, whose wait polls
    /// every 50 ms on Linux.
    static func startAndKillWriter(_ executable: String, destination: URL, after delay: useconds_t) throws {
        var ends: [Int32] = [-1, -1]
        try #require(pipe(&ends) == 0)
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }   // not inherited by other children; dup2 clears it on the copy
        defer { close(ends[0]) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, ends[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let arguments = [executable, "--testing-library", "swift-testing", "--filter", "AtomicWriteKillTests/writerChild"]
        let environment = ProcessInfo.processInfo.environment.merging([destinationVariable: destination.path]) { $1 }
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, executable, &actions, nil, argv, envp)
        close(ends[1])
        try #require(spawned == 0, "cannot start \(executable): \(String(cString: strerror(spawned)))")
        var killed = false
        defer {
            if !killed { kill(child, SIGKILL) }
            var status: Int32 = 0
            while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        }
        var printed: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !String(decoding: printed, as: UTF8.self).contains(readyLine) {
            let count = read(ends[0], &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            try #require(count > 0, "the writer (\(executable)) ended before writing: \(String(decoding: printed, as: UTF8.self))")
            printed += buffer[..<count]
        }
        usleep(delay)
        kill(child, SIGKILL)
        killed = true
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        #expect(status & 0x7f == SIGKILL, "the writer ended with status \(status), not killed")
    }
}
