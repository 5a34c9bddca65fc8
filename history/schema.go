package history

// migrations are the schema's steps, oldest first: migrations[i] takes a
// file from user_version i to i+1. Steps are only ever added, never
// changed, since files in use are at every one of them.
var migrations = []string{
	// 1: conversations, their turns, and the tool calls of each turn.
	`CREATE TABLE conversations (
		id            TEXT PRIMARY KEY,
		title         TEXT NOT NULL DEFAULT '',
		created_at    INTEGER NOT NULL, -- unix milliseconds
		used_at       INTEGER NOT NULL,
		endpoint      TEXT NOT NULL DEFAULT '', -- a label, without secrets
		endpoint_name TEXT NOT NULL DEFAULT '', -- the config file's name for it
		provider      TEXT NOT NULL DEFAULT '',
		api           TEXT NOT NULL DEFAULT '',
		base_url      TEXT NOT NULL DEFAULT '',
		url           TEXT NOT NULL DEFAULT '',
		model         TEXT NOT NULL DEFAULT '',
		dialect       TEXT NOT NULL DEFAULT '',
		system        TEXT NOT NULL DEFAULT ''
	) STRICT;
	CREATE INDEX conversations_used ON conversations (used_at DESC);
	CREATE TABLE turns (
		id                INTEGER PRIMARY KEY,
		conversation_id   TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
		seq               INTEGER NOT NULL,
		prompt            TEXT NOT NULL,
		answer            TEXT NOT NULL DEFAULT '',
		thinking          TEXT NOT NULL DEFAULT '',
		ending            TEXT NOT NULL DEFAULT 'streaming',
		error             TEXT NOT NULL DEFAULT '',
		resumed           INTEGER NOT NULL DEFAULT 0,
		retried           INTEGER NOT NULL DEFAULT 0,
		model             TEXT NOT NULL DEFAULT '',
		input_tokens      INTEGER NOT NULL DEFAULT 0,
		output_tokens     INTEGER NOT NULL DEFAULT 0,
		first_token_ms    INTEGER NOT NULL DEFAULT 0,
		tokens_per_second REAL NOT NULL DEFAULT 0,
		started_at        INTEGER NOT NULL,
		ended_at          INTEGER NOT NULL DEFAULT 0,
		UNIQUE (conversation_id, seq)
	) STRICT;
	CREATE TABLE tool_calls (
		turn_id       INTEGER NOT NULL REFERENCES turns (id) ON DELETE CASCADE,
		seq           INTEGER NOT NULL,
		call_id       TEXT NOT NULL DEFAULT '',
		name          TEXT NOT NULL DEFAULT '',
		arguments     TEXT NOT NULL DEFAULT '',
		result        TEXT NOT NULL DEFAULT '',
		state         TEXT NOT NULL DEFAULT 'called',
		answer_offset INTEGER NOT NULL DEFAULT 0, -- bytes of answer before the call
		PRIMARY KEY (turn_id, seq)
	) STRICT;`,

	// 2: full-text search over prompts and answers, kept in step by
	// triggers; the rebuild indexes what version 1 saved.
	`CREATE VIRTUAL TABLE turns_fts USING fts5 (
		prompt, answer, content = 'turns', content_rowid = 'id',
		tokenize = 'unicode61 remove_diacritics 2'
	);
	INSERT INTO turns_fts (turns_fts) VALUES ('rebuild');
	CREATE TRIGGER turns_fts_insert AFTER INSERT ON turns BEGIN
		INSERT INTO turns_fts (rowid, prompt, answer) VALUES (new.id, new.prompt, new.answer);
	END;
	CREATE TRIGGER turns_fts_delete AFTER DELETE ON turns BEGIN
		INSERT INTO turns_fts (turns_fts, rowid, prompt, answer) VALUES ('delete', old.id, old.prompt, old.answer);
	END;
	CREATE TRIGGER turns_fts_update AFTER UPDATE OF prompt, answer ON turns BEGIN
		INSERT INTO turns_fts (turns_fts, rowid, prompt, answer) VALUES ('delete', old.id, old.prompt, old.answer);
		INSERT INTO turns_fts (rowid, prompt, answer) VALUES (new.id, new.prompt, new.answer);
	END;`,

	// 3: what a tool call needs to be sent again in the API's shape on
	// a later turn: whether its result was an error, and the signature
	// some APIs (Gemini) attach to a call.
	`ALTER TABLE tool_calls ADD COLUMN is_error INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE tool_calls ADD COLUMN signature TEXT NOT NULL DEFAULT '';`,

	// 4: an answer is saved while it streams as parts appended one after
	// another (of about 64 KiB, ending at a line end), each indexed for
	// search once, not rewritten and indexed again whole at each write (a
	// 1 MB answer cost 20 MiB of SQLite's memory that way). The text after
	// the last part is one row (kind 2), written over until it is a part.
	// turns.answer and turns.thinking hold the texts of turns saved before
	// this version, and stay '' for the later ones.
	`CREATE TABLE turn_parts (
		id      INTEGER PRIMARY KEY,
		turn_id INTEGER NOT NULL REFERENCES turns (id) ON DELETE CASCADE,
		kind    INTEGER NOT NULL, -- 0: a part of the answer, 1: the thinking, 2: the answer's rest
		seq     INTEGER NOT NULL,
		text    TEXT NOT NULL,
		UNIQUE (turn_id, kind, seq)
	) STRICT;
	CREATE VIRTUAL TABLE turn_parts_fts USING fts5 (
		text, content = 'turn_parts', content_rowid = 'id',
		tokenize = 'unicode61 remove_diacritics 2'
	);
	CREATE TRIGGER turn_parts_fts_insert AFTER INSERT ON turn_parts WHEN new.kind = 0 BEGIN
		INSERT INTO turn_parts_fts (rowid, text) VALUES (new.id, new.text);
	END;
	CREATE TRIGGER turn_parts_fts_delete AFTER DELETE ON turn_parts WHEN old.kind = 0 BEGIN
		INSERT INTO turn_parts_fts (turn_parts_fts, rowid, text) VALUES ('delete', old.id, old.text);
	END;`,

	// 5: the answer's rest (kind 2) is indexed too, again at each write
	// (at most a part's worth), so a search finds the whole of an answer
	// that streams, or whose process died, not only its parts.
	`DROP TRIGGER turn_parts_fts_insert;
	DROP TRIGGER turn_parts_fts_delete;
	CREATE TRIGGER turn_parts_fts_insert AFTER INSERT ON turn_parts WHEN new.kind != 1 BEGIN
		INSERT INTO turn_parts_fts (rowid, text) VALUES (new.id, new.text);
	END;
	CREATE TRIGGER turn_parts_fts_delete AFTER DELETE ON turn_parts WHEN old.kind != 1 BEGIN
		INSERT INTO turn_parts_fts (turn_parts_fts, rowid, text) VALUES ('delete', old.id, old.text);
	END;
	CREATE TRIGGER turn_parts_fts_update AFTER UPDATE OF text ON turn_parts WHEN old.kind != 1 BEGIN
		INSERT INTO turn_parts_fts (turn_parts_fts, rowid, text) VALUES ('delete', old.id, old.text);
		INSERT INTO turn_parts_fts (rowid, text) VALUES (new.id, new.text);
	END;
	INSERT INTO turn_parts_fts (rowid, text) SELECT id, text FROM turn_parts WHERE kind = 2;`,
}

// Version is the schema version this package writes.
var Version = len(migrations)
