import ArgumentParser
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
        subcommands: [RunCommand.self, CheckCommand.self, TestCommand.self, DiffCommand.self, GenerateCommand.self],
        defaultSubcommand: RunCommand.self
    )
}
