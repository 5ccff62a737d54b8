import Foundation

/// Wall time per stage of a run, printed to standard error when `TEPAT_PHASES=1` is set (how
/// docs/performance.md's breakdown is measured; off otherwise, costing a clock read per stage).
struct PhaseClock {
    private let enabled = ProcessInfo.processInfo.environment["TEPAT_PHASES"] == "1"
    private var last = DispatchTime.now().uptimeNanoseconds

    mutating func lap(_ name: String) {
        guard enabled else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        let seconds = String(format: "%7.3f s", Double(now - last) / 1e9)
        FileHandle.standardError.write(Data("phase \(name.padding(toLength: 24, withPad: " ", startingAt: 0))\(seconds)\n".utf8))
        last = now
    }
}
