import Foundation

/// The command line of `sfl-bench`.
struct BenchmarkOptions {
    static let allGroups = ["probe", "memory", "conv", "upsample", "log", "losses", "epoch", "decode", "jpeg"]

    var groups = Set(allGroups)
    var images = 70
    var height = 225
    var width = 300
    var repeats = 5
    /// Rounds of the probe, memory and layer groups, each figure the median over them.
    var rounds = 1
    var epochRepeats = 3
    var threads = ProcessInfo.processInfo.activeProcessorCount
    var json = false
    /// The Table-1 convolutions the conv benchmark runs (`conv1` … `conv4`).
    var convolutions = ["conv1", "conv2", "conv3", "conv4"]
    /// The losses of the epoch benchmark: `pl`, `sfl` (pixel loss + SFL) or both.
    var epochLosses = ["pl", "sfl"]
    /// The parallelism modes of the epoch benchmark: `across`, `within` or both.
    var epochParallelism = ["across", "within"]
    var dataFolder: String?

    static let usage = """
    usage: sfl-bench [options]
      --only GROUPS     comma-separated subset of \(allGroups.joined(separator: ",")) (default: all)
      --images N        images per training epoch (default 70)
      --size HxW        image size for the layer and epoch benchmarks (default 225x300)
      --repeats N       timed repetitions of each layer benchmark, after one warm-up (default 5)
      --rounds N        runs of the probe, memory, conv, upsample and log groups one after another;
                        each of their figures is then the median over the rounds, with its range (default 1)
      --epochs N        timed epochs of each epoch benchmark, after one warm-up (default 3)
      --threads N       kernel threads (default: all active processors)
      --layers L        convolutions of the conv group: any of conv1,conv2,conv3,conv4 (default: all)
      --loss L          epoch losses: pl, sfl (pixel loss + SFL) or pl,sfl (default)
      --parallelism P   epoch parallelism: across, within or across,within (default)
      --data DIR        folder of PNG files for the decode benchmark (default ../shared/data/pf-willow if present);
                        the jpeg group decodes ../shared/data/pf-willow-jpeg
      --json            print one JSON object instead of a table
      --help            this text
    Every figure is the median of the repetitions, in a release build; report them as ratios.
    """

    /// Parses `arguments` (without the program name); exits with status 2 on a bad option.
    init(arguments: [String]) {
        var index = 0
        func value(_ option: String) -> String {
            index += 1
            guard index < arguments.count else { Self.fail("\(option) needs a value") }
            return arguments[index]
        }
        func positive(_ option: String) -> Int {
            let text = value(option)
            guard let number = Int(text), number > 0 else { Self.fail("\(option) needs a positive integer, got '\(text)'") }
            return number
        }
        while index < arguments.count {
            let option = arguments[index]
            switch option {
            case "--only":
                let requested = value(option).split(separator: ",").map(String.init)
                if let unknown = requested.first(where: { !Self.allGroups.contains($0) }) { Self.fail("unknown group '\(unknown)'") }
                groups = Set(requested)
            case "--images": images = positive(option)
            case "--size":
                let parts = value(option).split(separator: "x").compactMap { Int($0) }
                guard parts.count == 2, parts.allSatisfy({ $0 > 0 }) else { Self.fail("--size needs HxW, e.g. 225x300") }
                (height, width) = (parts[0], parts[1])
            case "--repeats": repeats = positive(option)
            case "--rounds": rounds = positive(option)
            case "--epochs": epochRepeats = positive(option)
            case "--threads": threads = positive(option)
            case "--layers": convolutions = Self.subset(of: ["conv1", "conv2", "conv3", "conv4"], option: option, text: value(option))
            case "--loss": epochLosses = Self.subset(of: ["pl", "sfl"], option: option, text: value(option))
            case "--parallelism": epochParallelism = Self.subset(of: ["across", "within"], option: option, text: value(option))
            case "--data": dataFolder = value(option)
            case "--json": json = true
            case "--help", "-h":
                print(Self.usage)
                exit(0)
            default: Self.fail("unknown option '\(option)'")
            }
            index += 1
        }
    }

    /// The comma-separated choices of `text`, each one of `allowed`; exits on an unknown one.
    static func subset(of allowed: [String], option: String, text: String) -> [String] {
        let requested = text.split(separator: ",").map(String.init)
        if requested.isEmpty { fail("\(option) needs one of \(allowed.joined(separator: ","))") }
        if let unknown = requested.first(where: { !allowed.contains($0) }) {
            fail("\(option): unknown choice '\(unknown)' (expected \(allowed.joined(separator: ",")))")
        }
        return allowed.filter(requested.contains)
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("sfl-bench: \(message)\n\(usage)\n".utf8))
        exit(2)
    }
}
