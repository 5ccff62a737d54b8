import ArgumentParser
import Foundation
import Tepat

@main
struct TepatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tepat",
        abstract: "Checks, runs and explains social-protection eligibility policies written in YAML.",
        discussion: """
            Tepat ("bantuan tepat sasaran") decides who qualifies for a programme, explains every \
            decision in Bahasa Indonesia, and runs whole populations fast. With no options, \
            `tepat run` runs the bundled Kota Tangerang 2025 policies over the bundled sample population.
            """,
        version: TepatVersion.current,
        subcommands: [RunCommand.self, CheckCommand.self, ExplainCommand.self, TestCommand.self, DiffCommand.self, GenerateCommand.self],
        defaultSubcommand: RunCommand.self
    )

    /// A usage error (an unknown option, a bad value) means the input could not be used: exit 2,
    /// as DESIGN.md says, rather than ArgumentParser's 64.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
