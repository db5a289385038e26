-- One row per respondent: a draft while they answer, completed once they submit.
-- Wide and typed, one column per question code of the survey definition, so a dashboard can
-- GROUP BY a column of a million rows without joins or parsing. Choice codes are short ASCII;
-- multi-selects are SETs (a bit mask on disk); money is DECIMAL, never a float.
-- The app checks at start-up that every question of the definition has its column here.
CREATE TABLE IF NOT EXISTS responses (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id BIGINT UNSIGNED NOT NULL,
    survey_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    survey_version SMALLINT UNSIGNED NOT NULL,
    -- Bit i set: page i of the definition was saved. Resume goes to the first clear bit.
    pages_saved INT UNSIGNED NOT NULL DEFAULT 0,
    consent_version SMALLINT UNSIGNED NULL,
    consented_at DATETIME(6) NULL,

    age_band VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NULL,
    district VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NULL,
    district_other VARCHAR(80) NULL,
    household_size TINYINT UNSIGNED NULL,
    income_band VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NULL,
    -- The minimum wage in force when the income band was answered, in reais.
    minimum_wage DECIMAL(10, 2) NULL,

    supermarket_frequency VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NULL,
    monthly_grocery_spend DECIMAL(10, 2) NULL,
    current_store VARCHAR(120) NULL,
    transport_mode VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NULL,
    priorities SET('price', 'quality', 'proximity', 'variety', 'service', 'opening-hours', 'parking', 'delivery')
        CHARACTER SET ascii COLLATE ascii_bin NULL,

    likelihood_new_store TINYINT UNSIGNED NULL,
    reason_not VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NULL,
    preferred_hours SET('morning', 'afternoon', 'evening', 'late-night', 'weekends')
        CHARACTER SET ascii COLLATE ascii_bin NULL,
    comment TEXT NULL,

    -- The nonce of the form that completed the response (a resent POST carries the same one).
    submission_nonce CHAR(43) CHARACTER SET ascii COLLATE ascii_bin NULL,
    started_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    completed_at DATETIME(6) NULL,

    -- One response per account, draft or completed. No other index: the dashboard reads its
    -- totals from `response_counts`, and every index slows each save and bulk load.
    UNIQUE KEY responses_user (user_id),
    CONSTRAINT responses_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
