import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LibCrypto
import Logging
import MariaDB
import Testing

@testable import SurveyApp

/// A small fixed data set whose figures were worked out by hand (see each test).
enum FixedResponses {
    static let researcher = (email: "analyst@example.com", password: "analyst-password-1")

    /// id, district, income, household, spend, likelihood, completed day, comment.
    static let rows: [(Int, String, String, Int, String, Int, String, String?)] = [
        (1, "centro", "C", 3, "1000.00", 8, "2026-11-10", "=1+1"),
        (2, "centro", "D", 2, "500.50", 9, "2026-11-10", "Ótimo 🙂; \"aspas\""),
        (3, "vila-nova", "C", 4, "1500.00", 2, "2026-11-10", nil),
        (4, "vila-nova", "D", 1, "300.00", 5, "2026-11-10", nil),
        (5, "centro", "C", 5, "2000.00", 7, "2026-11-10", "-desconto"),
        (6, "vila-nova", "D", 3, "800.00", 10, "2026-11-12", nil),
    ]

    static func insert(_ configuration: AppConfiguration) async throws {
        let survey = try SurveyDefinition.load(path: AppTestSupport.resource("Surveys/market-research.json"))
        try await AppTestSupport.withDatabase(configuration) { db in
            for (id, district, income, household, spend, likelihood, day, comment) in rows {
                // Ids from 101, clear of the researcher's account.
                try await db.execute("INSERT INTO users (id, email, password_hash, role) VALUES (\(100 + id), \("r\(id)@example.com"), '!', 'respondent')")
                try await db.execute("""
                    INSERT INTO responses (user_id, survey_id, survey_version, pages_saved, consent_version, consented_at, age_band, district,
                        household_size, income_band, minimum_wage, supermarket_frequency, monthly_grocery_spend, current_store, transport_mode,
                        priorities, likelihood_new_store, reason_not, preferred_hours, comment, started_at, completed_at)
                    VALUES (\(100 + id), 'market-research', 1, 15, 1, \(day + " 09:55:00"), '25-34', \(district), \(household), \(income), 1621.00, 'weekly',
                        \(Decimal(string: spend)!), 'Mercado "Bom"; Preço', 'car', 'price,quality', \(likelihood), \(likelihood <= 3 ? "too-far" : nil),
                        \(id % 2 == 0 ? "evening" : nil), \(comment), \(day + " 09:55:00"), \(day + " 10:00:00"))
                    """)
            }
            // A draft: started, never completed.
            try await db.execute("INSERT INTO users (id, email, password_hash, role) VALUES (107, 'r7@example.com', '!', 'respondent')")
            try await db.execute("INSERT INTO responses (user_id, survey_id, survey_version, pages_saved, started_at) VALUES (107, 'market-research', 1, 1, '2026-11-10 09:00:00')")
            try await ResponseCounts(survey: survey).rebuild(db)
        }
    }

    static func withResearcherApp(_ body: @escaping @Sendable (Browser, any TestClientProtocol, AppConfiguration) async throws -> Void) async throws {
        try await AppTestSupport.withApp(overrides: ["researcher.email": researcher.email, "researcher.password": researcher.password]) { client, configuration in
            try await insert(configuration)
            let browser = Browser(client)
            #expect(try await browser.logIn(email: researcher.email, password: researcher.password).location == "/research")
            try await body(browser, client, configuration)
        }
    }
}

@Suite("Researchers: dashboard, cross-tab, viability, export")
struct ResearchTests {
    @Test func dashboardCountsAndFiltersAgree() async throws {
        try await FixedResponses.withResearcherApp { browser, _, _ in
            let all = try await browser.get("/research")
            #expect(all.status == .ok)
            let cards = all.matches(of: #"<span class="card-value">([^<]+)</span>"#)
            #expect(cards.prefix(2) == ["7", "6"])  // started (the draft too), completed
            #expect(all.body.contains("<svg"))
            #expect(all.body.contains("85,7 %"))  // completion rate 6/7
            // Household size 1..5, one each except 3 (twice): mean 3, median 3.
            let centro = try await browser.get("/research?district=centro")
            #expect(centro.matches(of: #"<span class="card-value">([^<]+)</span>"#).prefix(2) == ["3", "3"])
            let late = try await browser.get("/research?from=2026-11-11")
            #expect(late.matches(of: #"<span class="card-value">([^<]+)</span>"#)[1] == "1")
            let refused = try await browser.get("/research?from=yesterday&district=atlantis")
            #expect(refused.status == .ok)
            #expect(refused.body.contains("opções da lista): “Concluídos a partir de”, “Bairro”."))
            // Dates that do not exist, and a range that ends before it starts, are refused too.
            #expect(try await browser.get("/research?from=2026-02-31").body.contains("opções da lista): “Concluídos a partir de”."))
            let reversed = try await browser.get("/research?from=2026-12-01&to=2026-01-01")
            #expect(reversed.body.contains("opções da lista): “Concluídos a partir de”, “até”."))
            #expect(reversed.matches(of: #"<span class="card-value">([^<]+)</span>"#).prefix(2) == ["7", "6"])  // unfiltered
        }
    }

    @Test func crossTabPercentagesAndChiSquareMatchHandWork() async throws {
        try await FixedResponses.withResearcherApp { browser, _, _ in
            // centro: C 2, D 1; vila-nova: C 1, D 2. Expected 1.5 each: χ² = 4 × 0.25 / 1.5 = 0.667,
            // df 1, p = 0.4142, V = √(0.667 / 6) = 0.333. Row % centro/C = 2/3, column % = 2/3.
            let page = try await browser.get("/research/crosstab?rows=district&columns=income_band")
            #expect(page.status == .ok)
            let stats = page.matches(of: #"<dd>([^<]+)</dd>"#)
            #expect(stats.prefix(4) == ["0,67", "1", "0,4142", "0,333"])
            #expect(page.body.contains(#"<span class="count">2</span><span class="pct">66,7 %</span><span class="pct col">66,7 %</span>"#))
            #expect(page.body.contains("célula(s) têm contagem esperada abaixo de 5"))
            // A filter changes the table: only vila-nova's three.
            let filtered = try await browser.get("/research/crosstab?rows=district&columns=income_band&district=vila-nova")
            #expect(filtered.body.contains(#"<td class="num"><strong>3</strong></td></tr></tfoot>"#))
            // A question that cannot be crossed is named, and the default shown; one question
            // against itself gets a note and no test.
            let unknown = try await browser.get("/research/crosstab?rows=zzz&columns=comment")
            #expect(unknown.status == .ok)
            #expect(unknown.body.contains("opções da lista): “Linhas”, “Colunas”."))
            let same = try await browser.get("/research/crosstab?rows=district&columns=district")
            #expect(same.body.contains("Linhas e colunas são a mesma pergunta"))
            #expect(!same.body.contains("Teste qui-quadrado"))
        }
    }

    @Test func scansSplitIntoIdRangesAddUpToTheWholeScan() async throws {
        try await FixedResponses.withResearcherApp { _, _, configuration in
            let survey = try SurveyDefinition.load(path: AppTestSupport.resource("Surveys/market-research.json"))
            try await AppTestSupport.withDatabase(configuration) { db async throws in
                let whole = ResearchQueries(database: db, survey: survey, scanParallelism: 1)
                // Three ranges even over seven responses (the split normally waits for 50k ids).
                var split = ResearchQueries(database: db, survey: survey, scanParallelism: 3)
                split.rangeScanThreshold = 0
                let filters = ResearchFilters()
                let expected = ["centro": ["C": 2, "D": 1], "vila-nova": ["C": 1, "D": 2]]
                #expect(try await whole.crossTab(rows: "district", columns: "income_band", filters) == expected)
                #expect(try await split.crossTab(rows: "district", columns: "income_band", filters) == expected)
                #expect(try await split.scanResponses { range in SQLQuery(unsafeSQL: "SELECT COUNT(*) AS n FROM responses WHERE 1 = 1") + range }.count == 3)
                #expect(try await split.summary(filters).started == 7)
                #expect(try await whole.summary(filters).started == 7)
                let vilaNova = ResearchFilters(district: "vila-nova")
                #expect(try await split.crossTab(rows: "district", columns: "income_band", vilaNova) == ["vila-nova": ["C": 1, "D": 2]])

                // Cross-tabs by district or income band come from the totals: the same tables as a scan.
                var scanning = whole
                scanning.crossTabFromTotals = false
                let pairs = [("district", "likelihood_new_store"), ("age_band", "income_band"), ("income_band", "district"), ("district", "district")]
                for filters in [ResearchFilters(), vilaNova, ResearchFilters(from: "2026-11-11"), ResearchFilters(to: "2026-11-10", incomeBand: "C")] {
                    for (rows, columns) in pairs {
                        let scanned = try await scanning.crossTab(rows: rows, columns: columns, filters)
                        #expect(!scanned.isEmpty)
                        #expect(try await whole.crossTab(rows: rows, columns: columns, filters) == scanned, "\(rows) × \(columns), \(filters)")
                    }
                }
                #expect(try await whole.crossTab(rows: "district", columns: "likelihood_new_store", vilaNova) == ["vila-nova": ["2": 1, "5": 1, "10": 1]])
            }
        }
    }

    @Test func viabilityFiguresMatchHandWork() async throws {
        try await FixedResponses.withResearcherApp { browser, _, _ in
            // Mean spend 6100.50 / 6 = 1016.75; market (1000 households) R$ 1.016.750.
            // Likely (≥ 7): 4 of 6, their mean spend 4300.50 / 4 = 1075.125; revenue =
            // 1000 × 4/6 × 1075.125 × rate = 716 750 × rate: 143.350 / 215.025 / 358.375.
            let page = try await browser.get("/research/viability?households=1000&pessimistic=20&base=30&optimistic=50")
            #expect(page.status == .ok)
            #expect(page.body.contains("R$\u{00A0}1.016.750"))
            #expect(page.body.contains("66,7 %"))
            for figure in ["R$\u{00A0}143.350", "R$\u{00A0}215.025", "R$\u{00A0}358.375"] {
                #expect(page.body.contains(figure), "missing \(figure)")
            }
            #expect(page.body.contains("Amostra pequena demais"))  // n = 6 < 100
            let centro = try await browser.get("/research/viability?households=1000&district=centro")
            // Centro only: spends 1000, 500.50, 2000 → mean 1166.83; all three likely.
            #expect(centro.body.contains("R$\u{00A0}1.166.833"))
        }
    }

    /// Assumptions that cannot be used are named by their labels with what they should be, stay
    /// in their fields as typed, and the configured ones are used; scenarios out of order too.
    @Test func viabilityAssumptionsThatCannotBeUsedAreExplained() async throws {
        try await FixedResponses.withResearcherApp { browser, _, _ in
            let page = try await browser.get("/research/viability?households=-5&pessimistic=150&base=30&optimistic=50")
            #expect(page.status == .ok)
            #expect(page.body.contains("Premissas não aplicadas"))
            #expect(page.body.contains("Domicílios na cidade: informe um número inteiro de 1 a 100.000.000"))
            #expect(page.body.contains("Pessimista: informe uma porcentagem de 0 a 100"))
            #expect(page.body.contains(#"name="households" value="-5""#))
            #expect(page.body.contains(#"name="pessimistic" value="150""#))
            #expect(!page.body.contains("Filtros ignorados"))
            let reversed = try await browser.get("/research/viability?households=1000&pessimistic=60&base=30&optimistic=10")
            #expect(reversed.body.contains("os cenários devem crescer do pessimista ao otimista"))
            // The configured rates (20 %, 35 %, 50 % by default) are used instead.
            #expect(reversed.body.contains("R$\u{00A0}143.350"))
            // A filter that cannot be used is named by its label.
            let filtered = try await browser.get("/research?from=2026-13-01")
            #expect(filtered.body.contains("Filtros ignorados por não serem válidos (datas que existem, a inicial antes da final, opções da lista): “Concluídos a partir de”."))
            // Percentages are shown in the page's language.
            #expect(try await browser.get("/research/viability").body.contains(#"name="base" value="35,0""#))
        }
    }

    @Test func exportFilenamesTellExportsApart() throws {
        let survey = try SurveyDefinition.load(path: AppTestSupport.resource("Surveys/market-research.json"))
        var options = ResponseExport.Options()
        options.preset = .analysis
        options.labels = true
        options.language = "en"
        var filters = ResearchFilters()
        filters.district = "centro"
        filters.from = "2026-01-01"
        let name = ExportController.filename(survey: survey, options: options, filters: filters, at: Date(timeIntervalSince1970: 1_795_428_900))
        #expect(name == "\(survey.id)-v\(survey.version)-analysis-labels-en-centro-from-2026-01-01-20261123-101500Z")
        #expect(ExportController.filename(survey: survey, options: ResponseExport.Options(), filters: ResearchFilters(), at: Date(timeIntervalSince1970: 0))
            == "\(survey.id)-v\(survey.version)-excel-19700101-000000Z")
    }

    @Test func analysisExportParsesBackToTheDatabase() async throws {
        try await FixedResponses.withResearcherApp { browser, _, _ in
            let export = try await browser.get("/research/export.csv?preset=analysis")
            #expect(export.status == .ok)
            let bytes = Array(export.body.utf8)
            #expect(Array(bytes.prefix(3)) != [0xEF, 0xBB, 0xBF])
            let records = try RFC4180Parser(separator: UInt8(ascii: ",")).parse(bytes)
            let header = records[0]
            #expect(records.count == 7)  // header + 6 completed, the draft left out
            let column = { (name: String) in header.firstIndex(of: name)! }
            #expect(records[1][column("response_id")] != "")
            #expect(records.dropFirst().map { $0[column("district")] } == ["centro", "centro", "vila-nova", "vila-nova", "centro", "vila-nova"])
            #expect(records[2][column("monthly_grocery_spend")] == "500.50")
            #expect(records[1][column("completed_at")] == "2026-11-10T10:00:00Z")
            #expect(records[1][column("priorities_price")] == "1" && records[1][column("priorities_parking")] == "0")
            #expect(records[1][column("current_store")] == #"Mercado "Bom"; Preço"#)
            // Formula-like free text is neutralised; numbers are left alone.
            #expect(records[1][column("comment")] == "'=1+1")
            #expect(records[5][column("comment")] == "'-desconto")
            #expect(records[2][column("comment")] == "Ótimo 🙂; \"aspas\"")
            // Deterministic: the same data gives the same bytes.
            #expect(try await browser.get("/research/export.csv?preset=analysis").body == export.body)
        }
    }

    @Test func excelExportWithLabelsPackedMultiAndManifest() async throws {
        try await FixedResponses.withResearcherApp { browser, _, _ in
            let export = try await browser.get("/research/export.csv?preset=excel&values=labels&multi=packed&district=centro")
            let bytes = Array(export.body.utf8)
            #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
            let records = try RFC4180Parser(separator: UInt8(ascii: ";")).parse(Array(bytes.dropFirst(3)))
            #expect(records.count == 4)  // the district filter applies
            let header = records[0]
            let column = { (name: String) in header.firstIndex(of: name)! }
            #expect(records[2][column("monthly_grocery_spend")] == "500,50")
            #expect(records[1][column("district")] == "Centro")
            #expect(records[1][column("priorities")] == "Preço;Qualidade dos produtos")
            #expect(records[1][column("completed_at")] == "2026-11-10 10:00:00")

            // The export was recorded with its hash; the manifest says so.
            let list = try await browser.get("/research/exports")
            let id = try #require(list.matches(of: #"/research/exports/(\d+)/manifest.json"#).first)
            let manifest = try await browser.get("/research/exports/\(id)/manifest.json")
            let json = try JSONSerialization.jsonObject(with: Data(manifest.body.utf8)) as! [String: Any]
            #expect(json["rows"] as? Int == 3)
            #expect(json["sha256"] as? String == SHA256.hash(bytes).hexString)
            #expect(json["filters"] as? String == "district=centro")
            #expect(json["survey_version"] as? Int == 1)

            // A filter nothing matches: the byte-order mark and the header, alone.
            let none = try await browser.get("/research/export.csv?preset=excel&values=labels&multi=packed&from=2030-01-01")
            #expect(none.status == .ok)
            let noneRecords = try RFC4180Parser(separator: UInt8(ascii: ";")).parse(Array(Array(none.body.utf8).dropFirst(3)))
            #expect(Array(Array(none.body.utf8).prefix(3)) == [0xEF, 0xBB, 0xBF])
            #expect(noneRecords == [header])
        }
    }

    @Test func codebookListsEveryVariable() async throws {
        try await FixedResponses.withResearcherApp { browser, _, _ in
            let page = try await browser.get("/research/codebook.csv?preset=analysis&lang=en")
            let records = try RFC4180Parser(separator: UInt8(ascii: ",")).parse(Array(page.body.utf8))
            #expect(records[0] == ["variable", "question", "type", "code", "label"])
            let survey = try SurveyDefinition.load(path: AppTestSupport.resource("Surveys/market-research.json"))
            let income = try #require(survey.question("income_band"))
            let band = try #require(records.first { $0[0] == "income_band" && $0[3] == "C" })
            #expect(band == ["income_band", income.label["en"], "income", "C", income.options!.first { $0.code == "C" }!.label["en"]])
            #expect(records.contains { $0[0] == "priorities_parking" && $0[2] == "0/1" })
        }
    }

    @Test func totalsKeptAtCompletionEqualARebuild() async throws {
        try await AppTestSupport.withApp { client, configuration in
            for likelihood in ["2", "9"] {
                let browser = Browser(client)
                try await browser.signUp()
                try await browser.savePages(before: "new-store")
                try await browser.savePage("new-store", [("likelihood_new_store", likelihood), ("reason_not", "prices"), ("_presented", likelihood == "2" ? "reason_not" : "")])
            }
            // A third completes and then deletes the account: its answers leave the totals.
            let leaver = Browser(client)
            try await leaver.signUp()
            try await leaver.savePages(before: "new-store")
            try await leaver.savePage("new-store", Answers.newStore)
            try await leaver.get("/my-data/delete")
            #expect(try await leaver.post("/my-data/delete", [("confirm", "yes")]).location == "/?notice=deleted")
            // Drafts: one moves to another district and income band, one stops after consenting,
            // one ends early (under 18) and is discarded, one is deleted with its account.
            let mover = Browser(client)
            try await mover.signUp()
            try await mover.savePages(before: "shopping")
            try await mover.savePage("household", [("age_band", "25-34"), ("district", "vila-nova"), ("household_size", "2"), ("income_band", "D")])
            let stopper = Browser(client)
            try await stopper.signUp()
            try await stopper.savePage("consent", Answers.consent)
            let minor = Browser(client)
            try await minor.signUp()
            try await minor.savePage("consent", Answers.consent)
            try await minor.savePage("household", [("age_band", "under-18")])
            let draftLeaver = Browser(client)
            try await draftLeaver.signUp()
            try await draftLeaver.savePages(before: "shopping")
            try await draftLeaver.get("/my-data/delete")
            #expect(try await draftLeaver.post("/my-data/delete", [("confirm", "yes")]).location == "/?notice=deleted")

            let survey = try SurveyDefinition.load(path: AppTestSupport.resource("Surveys/market-research.json"))
            try await AppTestSupport.withDatabase(configuration) { db in
                let snapshots = [
                    "SELECT day, district, income_band, question, answer, n, total, total_squares FROM response_counts WHERE n <> 0 ORDER BY day, district, income_band, question, answer",
                    "SELECT district, income_band, question, answer, n, total, total_squares FROM response_totals WHERE n <> 0 ORDER BY question, answer, district, income_band",
                    "SELECT day, district, income_band, n FROM response_starts WHERE n <> 0 ORDER BY day, district, income_band",
                ]
                var incremental: [[String]] = []
                for sql in snapshots { incremental.append(try await db.query(SQLQuery(unsafeSQL: sql)).map { "\($0)" }) }
                try await ResponseCounts(survey: survey).rebuild(db)
                for (sql, kept) in zip(snapshots, incremental) {
                    #expect(try await db.query(SQLQuery(unsafeSQL: sql)).map { "\($0)" } == kept, "\(sql)")
                }
                let completed = try await db.query("SELECT SUM(n) AS n FROM response_totals WHERE question = '_duration'")[0].decode("n", as: Int.self)
                #expect(completed == 2)
                // Started: the two who completed, the mover (now in vila-nova, D) and the one who stopped.
                let starts = try await db.query("SELECT district, income_band, SUM(n) AS n FROM response_starts GROUP BY district, income_band HAVING n <> 0 ORDER BY district")
                #expect(try starts.map { "\(try $0.decode("district", as: String.self))/\(try $0.decode("income_band", as: String.self)):\(try $0.decode("n", as: Int.self))" }
                    == ["/:1", "centro/C:2", "vila-nova/D:1"])
            }
        }
    }

    @Test func respondentsGet403AndVisitorsGoToLogin() async throws {
        try await AppTestSupport.withApp { client, _ in
            let paths = ["/research", "/research/crosstab", "/research/viability", "/research/export.csv", "/research/codebook.csv",
                         "/research/exports", "/research/exports/1/manifest.json", "/admin/users", "/admin/exports"]
            let respondent = Browser(client)
            try await respondent.signUp()
            for path in paths {
                #expect(try await respondent.get(path).status == .forbidden, "\(path)")
            }
            let visitor = Browser(client)
            for path in paths {
                let page = try await visitor.get(path)
                #expect(page.status == .seeOther && page.location?.hasPrefix("/login?next=") == true, "\(path)")
            }
        }
    }

    @Test func adminsGrantAndRevokeTheResearcherRole() async throws {
        try await AppTestSupport.withApp { client, configuration in
            let person = Browser(client)
            let email = try await person.signUp()
            #expect(try await person.get("/research").status == .forbidden)
            try await AppTestSupport.withDatabase(configuration) { db in
                try await db.execute("INSERT INTO users (email, password_hash, role) VALUES ('admin@example.com', \(try await PasswordHasher(parameters: .init(logN: 14, r: 8, p: 1)).hash("admin-password-1")), 'admin')")
            }
            let admin = Browser(client)
            _ = try await admin.logIn(email: "admin@example.com", password: "admin-password-1")
            let list = try await admin.get("/admin/users?q=\(email.prefix(5))")
            let id = try #require(list.matches(of: #"/admin/users/(\d+)/role"#).first)
            #expect(try await admin.post("/admin/users/\(id)/role", [("role", "researcher")]).location?.contains("notice=granted") == true)
            // Takes effect at once, in the session the person already has.
            #expect(try await person.get("/research").status == .ok)
            try await admin.get("/admin/users")
            #expect(try await admin.post("/admin/users/\(id)/role", [("role", "respondent")]).location?.contains("notice=revoked") == true)
            #expect(try await person.get("/research").status == .forbidden)
            // Nobody becomes admin from the web.
            try await admin.get("/admin/users")
            #expect(try await admin.post("/admin/users/\(id)/role", [("role", "admin")]).status == .badRequest)
            #expect(try await admin.get("/admin/exports").status == .ok)
        }
    }
}
