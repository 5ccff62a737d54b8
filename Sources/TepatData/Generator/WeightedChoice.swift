/// A categorical distribution with integer weights (per mille, basis points, …). Integer weights
/// keep the draws exact and machine-independent; the tables in this folder are written in the
/// units of the domain brief so they can be checked against it by eye.
struct WeightedChoice: Sendable {
    private let cumulative: [Int]
    let total: Int

    init(_ weights: [Int]) {
        var running = 0
        var cumulative: [Int] = []
        cumulative.reserveCapacity(weights.count)
        for weight in weights {
            precondition(weight >= 0, "negative weight")
            running += weight
            cumulative.append(running)
        }
        precondition(running > 0, "all weights are zero")
        self.cumulative = cumulative
        self.total = running
    }

    /// The index of the drawn category.
    @inline(__always)
    func pick(_ random: inout GeneratorRandom) -> Int {
        let x = random.below(total)
        var i = 0
        while cumulative[i] <= x { i += 1 }
        return i
    }
}
