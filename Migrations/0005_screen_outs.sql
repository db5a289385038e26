-- A respondent the survey screened out (under 18) cannot start again by changing the answer:
-- their draft is deleted as before (nothing they answered is kept), and the account keeps only
-- when this happened. The survey then shows them the same "thank you for your interest" page.
ALTER TABLE users ADD COLUMN screened_out_at DATETIME(6) NULL;
