-- Totals the dashboard can add up in milliseconds at any number of responses.
--
-- `response_counts` has a row per day, district, income band, question and answer: at a million
-- responses over two months that is about 260k rows, and adding them up took most of a second.
-- Two smaller tables are kept beside it by the same code that keeps `response_counts`
-- (`ResponseCounts` in the app), in the same transactions:
--
-- - `response_totals`: `response_counts` without the day (a few thousand rows), read when no date
--   range is chosen. Its key starts with the question, so adding it up per answer reads it in order.
-- - `response_starts`: responses started per day (of `started_at`), district and income band as
--   answered so far ('' before they are), for the "started" figure and the completion rate, which
--   otherwise need a scan of `responses`.
--
-- Triggers would keep them too, but a trigger on `responses` doubles the cost of each row of a bulk
-- load (`SurveyApp seed`) even when it does nothing. Replicas of an older version write only
-- `response_counts`: if any served during the upgrade, run `SurveyApp rebuild-counts` after it.

CREATE TABLE IF NOT EXISTS response_totals (
    district VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    income_band VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    question VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    answer VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    n BIGINT NOT NULL,
    total DECIMAL(20, 2) NOT NULL DEFAULT 0,
    total_squares DECIMAL(30, 4) NOT NULL DEFAULT 0,
    PRIMARY KEY (question, answer, district, income_band)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

CREATE TABLE IF NOT EXISTS response_starts (
    day DATE NOT NULL,
    district VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    income_band VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (day, district, income_band)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

DELETE FROM response_totals;
INSERT INTO response_totals (district, income_band, question, answer, n, total, total_squares)
    SELECT district, income_band, question, answer, SUM(n), SUM(total), SUM(total_squares)
    FROM response_counts GROUP BY question, answer, district, income_band;

DELETE FROM response_starts;
INSERT INTO response_starts (day, district, income_band, n)
    SELECT DATE(started_at), COALESCE(district, ''), COALESCE(income_band, ''), COUNT(*)
    FROM responses GROUP BY 1, 2, 3;
