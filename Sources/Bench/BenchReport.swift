import Foundation

/// Collects figures and prints them as one table, each beside its reference.
final class BenchReport {
    struct Line {
        let name: String
        let ours: Double
        let reference: Double
        let unit: String
        let target: Double?
    }

    private var lines: [Line] = []

    func add(_ name: String, ours: Double, reference: Double, unit: String, target: Double?) {
        lines.append(Line(name: name, ours: ours, reference: reference, unit: unit, target: target))
        print(String(format: "  %@: ours %.0f %@, reference %.0f %@, ratio %.2fx", name, ours, unit, reference, unit, ours / reference))
    }

    func printTable() {
        print("")
        print(pad("benchmark", 44) + pad("ours", 14) + pad("reference", 14) + pad("ratio", 8) + "target")
        for line in lines {
            let ratio = line.ours / line.reference
            let verdict = line.target.map { ratio >= $0 ? String(format: ">= %.1fx met", $0) : String(format: ">= %.1fx MISSED", $0) } ?? "-"
            print(
                pad(line.name, 44) + pad(String(format: "%.0f %@", line.ours, line.unit), 14)
                    + pad(String(format: "%.0f %@", line.reference, line.unit), 14) + pad(String(format: "%.2fx", ratio), 8) + verdict)
        }
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}

/// Runs a reference tool and returns its output and wall time.
enum ReferenceTool {
    static func run(_ executable: String, _ arguments: [String], stdoutToNull: Bool = false) throws -> (output: String, seconds: Double) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = stdoutToNull ? FileHandle.nullDevice : pipe
        process.standardError = pipe
        let start = ContinuousClock.now
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let elapsed = ContinuousClock.now - start
        let output = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw ReferenceError(description: "\(executable) failed: \(output.prefix(500))")
        }
        return (output, elapsed.seconds)
    }
}

struct ReferenceError: Error, CustomStringConvertible {
    let description: String
}

extension Duration {
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
