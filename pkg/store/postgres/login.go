package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// DefaultServeRole is the login serve connects as unless told otherwise.
const DefaultServeRole = "mcpgate_serve"

var roleName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// checkRole refuses a role name that would need quoting, or is one of
// mcpgate's own.
func checkRole(role string) error {
	if !roleName.MatchString(role) || strings.HasPrefix(role, "pg_") {
		return fmt.Errorf("serve role %q: use lower-case letters, digits and _ (at most 63), not starting with pg_", role)
	}
	if role == AppRole || role == AdminRole {
		return fmt.Errorf("serve role %q: that is one of mcpgate's own roles; choose another name, such as %s", role, DefaultServeRole)
	}
	return nil
}

// serveLoginSQL is what makes role serve's login to database: it may log
// in, owns nothing, can create nothing, is subject to every policy, and is
// a member of AppRole alone (whose grants are all it has).
func serveLoginSQL(role, database, verifier string) []string {
	r := pgx.Identifier{role}.Sanitize()
	create := "CREATE ROLE " + r + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT"
	if verifier != "" {
		create += " PASSWORD '" + verifier + "'" // base64, digits, $ and : only
	}
	return []string{
		create,
		"GRANT " + AppRole + " TO " + r,
		"GRANT CONNECT ON DATABASE " + pgx.Identifier{database}.Sanitize() + " TO " + r,
	}
}

// ServeLoginSQL returns the statements that create role as serve's login
// to this database, for a DBA who creates roles by hand (and sets its
// password with psql's \password, which sends only a verifier).
func (s *pgStore) ServeLoginSQL(ctx context.Context, role string) ([]string, error) {
	if err := checkRole(role); err != nil {
		return nil, err
	}
	var db string
	if err := s.DB().QueryRowContext(ctx, "SELECT current_database()").Scan(&db); err != nil {
		return nil, fmt.Errorf("name the database: %w", err)
	}
	return serveLoginSQL(role, db, ""), nil
}

// EnsureServeLogin creates role as serve's login to this database unless
// it exists, with password if one is given (sent to the server as a
// SCRAM-SHA-256 verifier, never as the password), and then checks that the
// role can do no more than serve needs. The store must be connected as
// the tables' owner, with CREATEROLE, after Migrate. created says whether
// it made the role.
func (s *pgStore) EnsureServeLogin(ctx context.Context, role string, password []byte) (created bool, err error) {
	if err := checkRole(role); err != nil {
		return false, err
	}
	verifier := ""
	if len(password) > 0 {
		if verifier, err = scramVerifier(password); err != nil {
			return false, err
		}
	}
	conn, err := s.DB().Conn(ctx)
	if err != nil {
		return false, fmt.Errorf("create serve role %s: %w", role, err)
	}
	defer conn.Close()
	var exists bool
	var db string
	if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1), current_database()",
		role).Scan(&exists, &db); err != nil {
		return false, fmt.Errorf("look for role %s: %w", role, err)
	}
	stmts := serveLoginSQL(role, db, verifier)
	created = false
	if !exists {
		// Another init on the same server (roles are cluster-wide) may
		// create it at the same moment.
		_, err := conn.ExecContext(ctx, stmts[0])
		var e *pgconn.PgError
		switch {
		case errors.As(err, &e) && (e.Code == "42710" || e.Code == "23505"): // duplicate_object, unique_violation
			exists = true
		case err != nil:
			return false, fmt.Errorf("create serve role %s: %w", role, scrubVerifier(err, verifier))
		default:
			created = true
		}
	} else if verifier != "" {
		if _, err := conn.ExecContext(ctx, "ALTER ROLE "+pgx.Identifier{role}.Sanitize()+" PASSWORD '"+verifier+"'"); err != nil {
			return false, fmt.Errorf("set serve role %s password: %w", role, scrubVerifier(err, verifier))
		}
	}
	// Grant only what is missing: for a role made by hand, the owner may
	// lack the right to grant what is there already.
	var member, connect bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_has_role($1, $2, 'MEMBER'), has_database_privilege($1, current_database(), 'CONNECT')",
		role, AppRole).Scan(&member, &connect); err != nil {
		return created, fmt.Errorf("check role %s: %w", role, err)
	}
	for _, g := range []struct {
		done bool
		sql  string
	}{{member, stmts[1]}, {connect, stmts[2]}} {
		if g.done {
			continue
		}
		if _, err := conn.ExecContext(ctx, g.sql); err != nil {
			return created, fmt.Errorf("grant serve role %s: %w", role, err)
		}
	}
	return created, checkServeLogin(ctx, conn, role)
}

// scrubVerifier drops an error's text if it could quote the verifier.
func scrubVerifier(err error, verifier string) error {
	if verifier != "" && strings.Contains(err.Error(), verifier) {
		return errors.New("the server refused the CREATE ROLE statement")
	}
	return err
}

// CheckServeLogin returns an error naming every way role could do more
// than serve needs: log in as it, and it must not be able to cross users.
func (s *pgStore) CheckServeLogin(ctx context.Context, role string) error {
	conn, err := s.DB().Conn(ctx)
	if err != nil {
		return fmt.Errorf("check serve role %s: %w", role, err)
	}
	defer conn.Close()
	return checkServeLogin(ctx, conn, role)
}

// CheckSessionLogin is CheckServeLogin for the role this store logs in
// as: what serve runs at start, to warn of a login that can do more than
// serve needs (an install from before serve had a login of its own).
func (s *pgStore) CheckSessionLogin(ctx context.Context) error {
	conn, err := s.DB().Conn(ctx)
	if err != nil {
		return fmt.Errorf("check database login: %w", err)
	}
	defer conn.Close()
	var role string
	if err := conn.QueryRowContext(ctx, "SELECT session_user").Scan(&role); err != nil {
		return fmt.Errorf("check database login: %w", err)
	}
	return checkServeLogin(ctx, conn, role)
}

func checkServeLogin(ctx context.Context, conn *sql.Conn, role string) error {
	var super, createRole, createDB, bypass, replication, login bool
	err := conn.QueryRowContext(ctx, `SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolreplication, rolcanlogin
		FROM pg_roles WHERE rolname = $1`, role).Scan(&super, &createRole, &createDB, &bypass, &replication, &login)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("serve role %s does not exist: run `mcpgate init`, or the SQL `mcpgate init --print-sql` prints", role)
	}
	if err != nil {
		return fmt.Errorf("check serve role %s: %w", role, err)
	}
	var problems []string
	for _, a := range []struct {
		has  bool
		what string
	}{{super, "SUPERUSER"}, {createRole, "CREATEROLE"}, {createDB, "CREATEDB"}, {bypass, "BYPASSRLS"}, {replication, "REPLICATION"}, {!login, "NOLOGIN"}} {
		if a.has {
			problems = append(problems, "has "+a.what)
		}
	}
	// Roles it can SET ROLE to or inherits from: AppRole alone.
	rows, err := conn.QueryContext(ctx, `SELECT r.rolname FROM pg_roles r
		WHERE r.rolname NOT IN ($1, $2) AND pg_has_role($1, r.oid, 'MEMBER') ORDER BY r.rolname`, role, AppRole)
	if err != nil {
		return fmt.Errorf("check serve role %s: %w", role, err)
	}
	var others []string
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			rows.Close()
			return fmt.Errorf("check serve role %s: %w", role, err)
		}
		others = append(others, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("check serve role %s: %w", role, err)
	}
	if len(others) > 0 && !super {
		problems = append(problems, "is a member of "+strings.Join(others, ", "))
	}
	var member bool
	var owned int64
	if err := conn.QueryRowContext(ctx, `SELECT pg_has_role($1, $2, 'MEMBER'),
		(SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = $1))
		+ (SELECT count(*) FROM pg_proc WHERE proowner = (SELECT oid FROM pg_roles WHERE rolname = $1))
		+ (SELECT count(*) FROM pg_namespace WHERE nspowner = (SELECT oid FROM pg_roles WHERE rolname = $1))`,
		role, AppRole).Scan(&member, &owned); err != nil {
		return fmt.Errorf("check serve role %s: %w", role, err)
	}
	if !member {
		problems = append(problems, "is not a member of "+AppRole)
	}
	if owned > 0 {
		problems = append(problems, fmt.Sprintf("owns %d tables, functions or schemas here", owned))
	}
	if len(problems) > 0 {
		return fmt.Errorf("serve role %s %s: serve must log in as a role that can only act as %s (see `mcpgate init --print-sql`)",
			role, strings.Join(problems, ", "), AppRole)
	}
	return nil
}
