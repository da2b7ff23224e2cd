/// A cursor over a subcommand's arguments (`--option value` or
/// `--option=value`) that reads each option's value and checks it, every
/// mistake an ``ExperimentUsageError`` prefixed with the subcommand.
struct OptionTokens {
    /// The arguments, each `--option=value` split into two.
    let tokens: [String]
    /// The subcommand named in messages, e.g. `"compare"`.
    let command: String
    /// The index of the current option.
    private(set) var index = 0

    init(_ arguments: [String], command: String) {
        tokens = ExperimentCommandLine.splitOptions(arguments)
        self.command = command
    }

    /// Whether `--help` or `-h` is among the arguments.
    var asksForHelp: Bool { tokens.contains("--help") || tokens.contains("-h") }

    /// The next option, advancing past it; nil at the end.
    mutating func nextOption() -> String? {
        guard index < tokens.count else { return nil }
        defer { index += 1 }
        return tokens[index]
    }

    /// An error for an argument that is no known option.
    func unknown(_ option: String) -> ExperimentUsageError {
        error(option.hasPrefix("-") ? "unknown option '\(option)'" : "unexpected argument '\(option)' (options start with --)")
    }

    /// An error prefixed with the subcommand.
    func error(_ message: String) -> ExperimentUsageError { ExperimentUsageError("\(command): \(message)") }

    /// The value after `option`.
    mutating func value(_ option: String) throws(ExperimentUsageError) -> String {
        guard index < tokens.count, !(tokens[index].hasPrefix("--") && Double(tokens[index]) == nil) else {
            throw error("\(option) needs a value")
        }
        defer { index += 1 }
        return tokens[index]
    }

    /// The integer after `option`, at least `minimum`.
    mutating func integer(_ option: String, minimum: Int) throws(ExperimentUsageError) -> Int {
        let text = try value(option)
        guard let number = Int(text), number >= minimum else { throw error("\(option) needs an integer of at least \(minimum), got '\(text)'") }
        return number
    }

    /// The finite number after `option` that satisfies `valid` (described by `requirement`).
    mutating func number(_ option: String, _ requirement: String, _ valid: (Double) -> Bool) throws(ExperimentUsageError) -> Double {
        let text = try value(option)
        guard let number = Double(text), number.isFinite, valid(number) else { throw error("\(option) needs \(requirement), got '\(text)'") }
        return number
    }
}
