import Foundation
import Hummingbird
import HummingbirdAuth
import LibCrypto
import Logging
import MariaDB
import Redis

func makeLogger(level: Logger.Level) -> Logger {
    var logger = Logger(label: "SurveyApp")
    logger.logLevel = level
    return logger
}

/// Builds the application from its configuration: clients, routes, services and start-up work.
/// `logger` replaces the standard one (tests read what the app logs).
func buildApplication(_ configuration: AppConfiguration, logger: Logger? = nil) async throws -> some ApplicationProtocol {
    // A peer that vanishes mid-write must not kill the process.
    signal(SIGPIPE, SIG_IGN)
    let logger = logger ?? makeLogger(level: configuration.logLevel)
    // A broken definition stops the start with every problem listed, before any page is served.
    let survey = try SurveyDefinition.load(path: configuration.resources.survey)
    let catalog = try MessageCatalog.load(directory: configuration.resources.locales)
    guard Set(survey.languages).isSubset(of: catalog.languages) else {
        throw ConfigurationError("the survey is written in \(survey.languages) but Locales/ has \(catalog.languages)")
    }
    let renderer = try await PageRenderer(directory: configuration.resources.views, catalog: catalog)
    logger.info("survey definition loaded", metadata: ["survey": "\(survey.id)", "version": "\(survey.version)"])

    let database = MariaDBClientFactory.make(configuration, logger: logger)
    let redis = RedisClient(configuration: configuration.redis, logger: logger)
    let hasher = PasswordHasher(
        parameters: Scrypt.Parameters(logN: configuration.security.scryptLogN, r: 8, p: 1), threads: configuration.security.hashThreads)
    let users = MariaDBUserRepository(database: database)
    let responses = MariaDBResponseRepository(database: database, survey: survey)
    let sessionStore = RedisPersistDriver(redis: redis)
    let metrics = AppMetrics.shared

    let router = Router(context: AppRequestContext.self)
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: RequestLogMiddleware(trustedProxies: configuration.security.trustedProxies))
    router.add(middleware: ClientMiddleware(languages: catalog.languages, trustedProxies: configuration.security.trustedProxies))
    router.add(middleware: SecurityHeadersMiddleware())
    // Outside the error pages, so that a 503 page knows whether the session could be read.
    router.add(middleware: SessionStoreOutage.Middleware())
    router.add(middleware: ErrorPageMiddleware(renderer: renderer))
    router.add(middleware: FileMiddleware(configuration.resources.publicFiles, urlBasePath: "/static", searchForIndexHtml: false, logger: logger))

    HealthController(database: database, redis: redis).addRoutes(to: router)
    MetricsController(metrics: metrics, database: database).addRoutes(to: router)

    // Everything below may use the session.
    let pages = router.group()
        .add(middleware: SessionMiddleware(
            storage: sessionStore,
            configuration: .init(
                sessionCookieParameters: .init(name: SessionSettings.cookieName, path: "/", secure: false, sameSite: .lax),
                keyPrefix: SessionSettings.keyPrefix,
                defaultSessionExpiration: configuration.sessions.idleTimeout)))
        .add(middleware: SessionPolicyMiddleware(idle: configuration.sessions.idleTimeout, absolute: configuration.sessions.absoluteTimeout))
    HomeController(renderer: renderer, survey: survey).addRoutes(to: pages)
    AccountController(
        renderer: renderer, users: users, hasher: hasher, throttle: LoginThrottle(redis: redis), sessions: sessionStore,
        sessionCookie: SessionSettings.cookieName, idleTimeout: configuration.sessions.idleTimeout, metrics: metrics
    ).addRoutes(to: pages)
    SurveyController(
        renderer: renderer, survey: survey, view: QuestionnaireView(survey: survey, catalog: catalog), responses: responses, users: users,
        pending: PendingForms(redis: redis), metrics: metrics).addRoutes(to: pages)
    MyDataController(renderer: renderer, survey: survey, users: users, responses: responses).addRoutes(to: pages)

    // Researchers (and admins) only; the role is checked against the database on each request.
    let audit = ExportAudit(database: database)
    let research = pages.group().add(middleware: RoleMiddleware(allowed: [.researcher, .admin], users: users))
    ResearchController(
        renderer: renderer, survey: survey, queries: ResearchQueries(database: database, survey: survey, scanParallelism: configuration.researchScanParallelism), viability: configuration.viability
    ).addRoutes(to: research)
    ExportController(renderer: renderer, survey: survey, database: database, audit: audit).addRoutes(to: research)
    let admin = pages.group().add(middleware: RoleMiddleware(allowed: [.admin], users: users))
    AdminController(renderer: renderer, users: users, audit: audit).addRoutes(to: admin)

    var app = Application(
        router: router,
        configuration: .init(address: .hostname(configuration.http.host, port: configuration.http.port), serverName: nil),
        logger: logger)
    app.addServices(database, redis, hasher)
    app.beforeServerStarts {
        if configuration.migrateOnStart {
            try await SchemaMigrations(configuration: configuration, database: database, logger: logger).apply()
        }
        let missing = try await responses.missingColumns()
        guard missing.isEmpty else {
            throw ConfigurationError("the survey definition has questions without a column in `responses`: \(missing.joined(separator: ", ")); add a migration")
        }
        if let researcher = configuration.researcher {
            try await ResearcherAccount.ensure(researcher, users: users, hasher: hasher, logger: logger)
        }
    }
    return app
}

/// `RESEARCHER_EMAIL` and `RESEARCHER_PASSWORD`: the account exists, is a researcher and has that
/// password after every start.
enum ResearcherAccount {
    static func ensure(_ researcher: AppConfiguration.Researcher, users: any UserRepository, hasher: PasswordHasher, logger: Logger) async throws {
        let hash = try await hasher.hash(researcher.password)
        if let existing = try await users.find(email: researcher.email) {
            try await users.updatePasswordHash(id: existing.id, passwordHash: hash)
            if existing.role == .respondent { try await users.updateRole(id: existing.id, role: .researcher) }
            logger.info("researcher account updated")
        } else {
            _ = try await users.create(email: researcher.email, passwordHash: hash, role: .researcher)
            logger.info("researcher account created")
        }
    }
}
