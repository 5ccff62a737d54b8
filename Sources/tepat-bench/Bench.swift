import ArgumentParser
import Foundation
import Tepat

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `swift run -c release tepat-bench`: Tepat's whole pipeline against a hand-written floor, on
/// generated populations, with wall time, members per second, peak memory and the ratio.
@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tepat-bench",
        abstract: "Benchmark `tepat run` against a hand-written floor on generated populations.",
        subcommands: [Measure.self, FloorCommand.self],
        defaultSubcommand: Measure.self)
}

struct Measure: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "measure", abstract: "Generate (or reuse) populations and time both pipelines.")

    @Option(help: "Population sizes in households, comma-separated.")
    var sizes: String = "100000,1000000"

    @Option(help: "Runs per size; the median is reported.")
    var runs: Int = 3

    @Option(help: "Threads for tepat run (default: all cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Where populations and outputs go.")
    var work: String = NSTemporaryDirectory() + "tepat-bench"

    @Option(help: "The tepat binary (default: next to this one).")
    var tepat: String?

    func run() throws {
        let me = CommandLine.arguments[0]
        let binary = tepat ?? URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("tepat").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw ValidationError("no tepat binary at \(binary): run `swift build -c release` first")
        }
        let sizeList = sizes.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory >> 30) GiB; tepat --jobs \(jobs); median of \(runs) runs")
        print(pad("households", 11) + pad("members", 10) + pad("tepat s", 9) + pad("floor s", 9) + pad("ratio", 7) + pad("members/s", 12) + pad("tepat MB", 10) + pad("floor MB", 10) + "same")
        for size in sizeList {
            let population = "\(work)/pop-\(size)"
            if !FileManager.default.fileExists(atPath: population + "/members.csv") {
                _ = try PopulationGenerator.generate(GeneratorOptions(households: size, seed: 1), to: population, calendar: nil)
            }
            let members = try lineCount(population + "/members.csv") - 1
            var tepatTimes: [Double] = [], floorTimes: [Double] = [], tepatPeaks: [Int] = [], floorPeaks: [Int] = []
            let outTepat = "\(work)/out-tepat-\(size)", outFloor = "\(work)/out-floor-\(size)"
            try FileManager.default.createDirectory(atPath: outFloor, withIntermediateDirectories: true)
            for _ in 0..<max(1, runs) {
                let t = try spawn(binary, ["run", "--policy", Workspace.defaultPolicyPath, "--population", population, "--out", outTepat, "--jobs", String(jobs), "--quiet"])
                let f = try spawn(me, ["floor", "--population", population, "--out", outFloor])
                tepatTimes.append(t.seconds)
                tepatPeaks.append(t.peakKB)
                floorTimes.append(f.seconds)
                floorPeaks.append(f.peakKB)
            }
            let same = try sameDecisions(outTepat + "/decisions.csv", outFloor + "/decisions.csv")
            let tm = median(tepatTimes), fm = median(floorTimes)
            print(
                pad(String(size), 11) + pad(String(members), 10) + pad(String(format: "%.2f", tm), 9) + pad(String(format: "%.2f", fm), 9)
                    + pad(String(format: "%.2f", tm / max(fm, 0.001)), 7) + pad(String(Int(Double(members) / max(tm, 0.001))), 12)
                    + pad(String((tepatPeaks.max() ?? 0) >> 10), 10) + pad(String((floorPeaks.max() ?? 0) >> 10), 10)
                    + (same ? "yes" : "NO"))
        }
    }

    func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.isEmpty ? 0 : s[s.count / 2]
    }

    func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }

    func lineCount(_ path: String) throws -> Int {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return data.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
    }

    /// Decision, rule and amount per (household, person) of the JKK/JKM program agree.
    func sameDecisions(_ a: String, _ b: String) throws -> Bool {
        func read(_ path: String) throws -> [String: String] {
            var map: [String: String] = [:]
            let text = try String(contentsOfFile: path, encoding: .utf8)
            for line in text.split(separator: "\n").dropFirst() where line.hasPrefix("jkk-jkm-pekerja-rentan,") {
                let f = line.split(separator: ",", maxSplits: 6, omittingEmptySubsequences: false)
                guard f.count >= 7 else { continue }
                let amount = line.split(separator: ",", omittingEmptySubsequences: false).reversed().first { $0.allSatisfy(\.isNumber) && !$0.isEmpty } ?? ""
                map[f[1] + "," + f[2]] = f[3] + "," + (f[3] == "invalid" ? "" : f[4]) + "," + amount
            }
            return map
        }
        let x = try read(a), y = try read(b)
        let differing = x.filter { y[$0.key] != $0.value }
        for (key, value) in differing.prefix(5) { print("  differs \(key): tepat \(value) floor \(y[key] ?? "missing")") }
        return differing.isEmpty && x.count == y.count
    }

    /// Runs a child process and returns its wall time and peak resident memory (from `wait4`).
    func spawn(_ path: String, _ arguments: [String]) throws -> (seconds: Double, peakKB: Int) {
        var pid: pid_t = 0
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let start = Date()
        guard posix_spawn(&pid, path, &actions, nil, argv, environ) == 0 else { throw ValidationError("cannot start \(path)") }
        var status: Int32 = 0
        var usage = rusage()
        // The child's own high-water mark, read while it runs: `ru_maxrss` after a spawn counts
        // the parent's memory too (Linux keeps the peak across exec), which this process inflates
        // by comparing decisions.
        var peak = 0
        while wait4(pid, &status, WNOHANG, &usage) == 0 {
            peak = max(peak, Self.highWaterKB(pid) ?? 0)
            usleep(5_000)
        }
        let seconds = Date().timeIntervalSince(start)
        guard status == 0 else { throw ValidationError("\(path) \(arguments.joined(separator: " ")) failed (status \(status))") }
        return (seconds, peak > 0 ? peak : Int(usage.ru_maxrss))
    }

    /// `VmHWM` of a running process, in kB (Linux), or nil.
    static func highWaterKB(_ pid: pid_t) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.dropFirst(6).trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "")
        }
        return nil
    }
}

struct FloorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "floor", abstract: "Run the hand-written floor once.", shouldDisplay: false)

    @Option var population: String
    @Option var out: String

    func run() throws {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        _ = try Floor.run(population: population, out: out)
    }
}
