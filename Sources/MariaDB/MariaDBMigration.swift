import Foundation

/// One numbered schema change, read from a file named like `0003_add_responses.sql`.
public struct MariaDBMigration: Sendable, Hashable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// FNV-1a of the text: enough to notice that an applied migration was edited afterwards.
    public var checksum: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in sql.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }

    /// Reads every `NNNN_name.sql` file of a folder, in version order. Two files with one number
    /// are an error, so are files that do not follow the pattern.
    public static func load(directory: String) throws -> [MariaDBMigration] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw MariaDBError(kind: .configuration, message: "cannot read the migrations folder \(directory)")
        }
        var migrations: [MariaDBMigration] = []
        for file in names.sorted() where file.hasSuffix(".sql") {
            let stem = file.dropLast(4)
            guard let underscore = stem.firstIndex(of: "_"), let version = Int(stem[..<underscore]), version > 0 else {
                throw MariaDBError(kind: .configuration, message: "migration file \(file) must be named NNNN_name.sql")
            }
            let path = (directory as NSString).appendingPathComponent(file)
            guard let data = FileManager.default.contents(atPath: path), let sql = String(data: data, encoding: .utf8) else {
                throw MariaDBError(kind: .configuration, message: "cannot read migration \(file) as UTF-8")
            }
            if migrations.contains(where: { $0.version == version }) {
                throw MariaDBError(kind: .configuration, message: "two migrations are numbered \(version)")
            }
            migrations.append(MariaDBMigration(version: version, name: String(stem[stem.index(after: underscore)...]), sql: sql))
        }
        return migrations.sorted { $0.version < $1.version }
    }
}
