import Foundation
import Hummingbird
import LibCrypto
import Logging
import MariaDB
import NIOCore

/// CSV exports of completed responses, streamed from a MariaDB cursor straight into a chunked
/// response: memory stays flat at any size. Every export is recorded, when it ends, in the
/// append-only audit table with its row count and the SHA-256 of the bytes sent, and its manifest
/// can be downloaded from the researcher's export list.
struct ExportController {
    let renderer: PageRenderer
    let survey: SurveyDefinition
    let database: MariaDBClient
    let audit: ExportAudit

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("/research/export.csv", use: export)
        router.get("/research/codebook.csv", use: codebook)
        router.get("/research/exports", use: list)
        router.get("/research/exports/{id}/manifest.json", use: manifest)
    }

    /// A name that tells exports apart: survey and version, preset, values and multi-select
    /// layout when not the default, the filters, and when it was made (UTC), e.g.
    /// `market-research-v1-excel-labels-en-centro-from-2026-01-01-20261123-101500Z`. Codes and
    /// dates are ASCII without separators that a file system would mind.
    static func filename(survey: SurveyDefinition, options: ResponseExport.Options, filters: ResearchFilters, at now: Date) -> String {
        var parts = ["\(survey.id)-v\(survey.version)", options.preset.rawValue]
        if options.labels { parts.append("labels-\(options.language)") }
        if options.multiSelect == .packed { parts.append("packed") }
        if let district = filters.district { parts.append(district) }
        if let band = filters.incomeBand { parts.append("income-\(band)") }
        if let from = filters.from { parts.append("from-\(from)") }
        if let to = filters.to { parts.append("to-\(to)") }
        if let t = UTCDateTime(now) {
            func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
            parts.append("\(t.year)\(two(t.month))\(two(t.day))-\(two(t.hour))\(two(t.minute))\(two(t.second))Z")
        }
        return parts.joined(separator: "-")
    }

    static func options(_ request: Request, language: String) -> ResponseExport.Options {
        let query = request.uri.queryParameters
        var options = ResponseExport.Options()
        options.preset = query["preset"].flatMap { ResponseExport.Preset(rawValue: String($0)) } ?? .excel
        options.labels = query["values"] == "labels"
        options.multiSelect = query["multi"] == "packed" ? .packed : .columns
        options.language = query["lang"].map(String.init).flatMap { ["pt-BR", "en"].contains($0) ? $0 : nil } ?? language
        return options
    }

    @Sendable func export(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.currentUser else { throw HTTPError(.forbidden) }
        let (filters, refused) = ResearchFilters.parse(request, survey: survey)
        if !refused.isEmpty {
            // A filter that cannot be used would export every response under a name and manifest
            // that say otherwise: the dashboard, with the same query, names what it refused.
            return .redirect(to: "/research?" + (request.uri.query ?? ""), type: .normal)
        }
        let options = Self.options(request, language: context.language)
        let exporter = ResponseExport(survey: survey, options: options)
        let query = exporter.query(filters)
        let columns = exporter.columns
        let database = self.database
        let audit = self.audit
        let logger = context.logger
        let entry = ExportAudit.Entry(
            userID: user.id, userEmail: user.email, kind: "responses", preset: Self.describe(options), filters: filters.queryString,
            surveyVersion: survey.version, rowCount: 0, byteCount: 0, sha256: "", finished: false)
        let body = ResponseBody { writer in
            var csv = CSVWriter(format: options.preset.format)
            var hash = SHA256()
            var rows = 0
            var bytes = 0
            var finished = false
            do {
                csv.appendBOM()
                csv.append(header: exporter.header)
                // The header goes out with the first chunk of rows (or alone, for an empty export).
                let format = options.preset.format
                try await database.streamEncoded(query, chunkBytes: 64 * 1024, encode: { row, out in
                    var record = CSVWriter(format: format, initialCapacity: 0)
                    record.swapBuffer(with: &out)
                    defer { record.swapBuffer(with: &out) }
                    try exporter.append(row, columns: columns, to: &record)
                }) { chunk, count in
                    rows += count
                    var out = chunk
                    if csv.byteCount > 0 {
                        csv.append(encoded: chunk)
                        out = csv.takeBytes()
                    }
                    hash.update(out)
                    bytes += out.count
                    try await writer.write(ByteBuffer(bytes: out))
                }
                if csv.byteCount > 0 {
                    // No rows: the header alone.
                    let out = csv.takeBytes()
                    hash.update(out)
                    bytes += out.count
                    try await writer.write(ByteBuffer(bytes: out))
                }
                try await writer.finish(nil)
                finished = true
            } catch {
                logger.warning("export cut short", metadata: ["rows": "\(rows)", "error.type": "\(type(of: error))"])
            }
            var record = entry
            record.rowCount = rows
            record.byteCount = bytes
            record.sha256 = hash.finalize().hexString
            record.finished = finished
            record.createdAt = Date()
            do {
                try await audit.record(record)
            } catch {
                logger.error("export not recorded in the audit table", metadata: ["error": "\(error)"])
            }
            logger.info("export", metadata: ["rows": "\(rows)", "bytes": "\(bytes)", "finished": "\(finished)"])
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8; header=present",
                .contentDisposition: "attachment; filename=\"\(Self.filename(survey: survey, options: options, filters: filters, at: Date())).csv\"",
                .cacheControl: "no-store",
            ],
            body: body)
    }

    /// What every variable means: question text, codes and labels.
    @Sendable func codebook(_ request: Request, context: AppRequestContext) async throws -> Response {
        let options = Self.options(request, language: context.language)
        var csv = CSVWriter(format: options.preset.format)
        csv.appendBOM()
        for row in ResponseExport(survey: survey, options: options).codebook(catalog: renderer.catalog) {
            csv.append(row: row)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8; header=present",
                .contentDisposition: "attachment; filename=\"\(survey.id)-v\(survey.version)-codebook-\(options.preset.rawValue)-\(options.language).csv\"",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: csv.takeBytes())))
    }

    /// The researcher's recent exports, with their manifests.
    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.currentUser else { throw HTTPError(.forbidden) }
        let entries = try await audit.latest(limit: 50, userID: user.id)
        let language = context.language
        return try renderer.render("research-exports", titleKey: "exports.title", request: request, context: context, values: [
            "entries": entries.map { entry -> [String: Any] in
                [
                    "id": entry.id, "when": MyDataController.timestamp(entry.createdAt), "preset": entry.preset,
                    "filters": entry.filters.isEmpty ? "—" : entry.filters, "rows": NumberText.integer(entry.rowCount, language: language),
                    "sha256": entry.sha256, "finished": entry.finished,
                ]
            },
            "hasEntries": !entries.isEmpty,
        ])
    }

    @Sendable func manifest(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.currentUser else { throw HTTPError(.forbidden) }
        guard let id = context.parameters.get("id").flatMap(Int64.init), let entry = try await audit.find(id: id),
              entry.userID == user.id || user.role == .admin
        else { throw HTTPError(.notFound) }
        let document: [String: Any] = [
            "export_id": entry.id, "survey": survey.id, "survey_version": entry.surveyVersion, "kind": entry.kind,
            "options": entry.preset, "filters": entry.filters, "rows": entry.rowCount, "bytes": entry.byteCount,
            "sha256": entry.sha256, "complete": entry.finished, "generated_at": MyDataController.timestamp(entry.createdAt),
            "generated_by": entry.userEmail,
        ]
        let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return Response(
            status: .ok,
            headers: [.contentType: "application/json; charset=utf-8", .contentDisposition: "attachment; filename=\"export-\(entry.id)-manifest.json\""],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func describe(_ options: ResponseExport.Options) -> String {
        "\(options.preset.rawValue),\(options.labels ? "labels-\(options.language)" : "codes"),multi-\(options.multiSelect.rawValue)"
    }
}
