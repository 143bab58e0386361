#!/usr/bin/env bash
# Breaks one of mcpgate's security properties at a time, in a scratch copy
# of the tree, and runs the test that claims to catch that break. A mutant
# is killed when its test fails; it SURVIVED when the test still passes,
# and then the test no longer proves what it claims. Each mutant is one
# exact text substitution that must match exactly once: if the code moved
# and it matches nothing (or more than once), or the mutant no longer
# builds, the run fails with BROKEN instead of counting it as killed.
# PostgreSQL halves run only if MCPGATE_TEST_POSTGRES_URL is already set.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

scratch="$(mktemp -d)"
log="$(mktemp)"
trap 'rm -rf "$scratch" "$log" "$log.why"' EXIT

# The working tree as it is (tracked and new files, not ignored ones).
git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
	tar --null -T - -cf - | tar -xf - -C "$scratch" || {
	echo "mutants: cannot copy the tree to $scratch" >&2
	exit 1
}

killed=0
survived=0
broken=0
declare -A baseline=()

# mutant NAME FILE PACKAGE TESTS FROM TO: replace the one occurrence of
# FROM in FILE with TO, run the tests matching TESTS in PACKAGE, restore.
mutant() {
	local name="$1" file="$2" pkg="$3" tests="$4" from="$5" to="$6" status
	if [ -z "${baseline[$pkg $tests]:-}" ]; then
		# Unmutated, the tests must pass, or every mutant would look killed.
		if ! (cd "$scratch" && go test -count=1 -timeout 5m -run "$tests" "$pkg") >"$log" 2>&1; then
			echo "mutants: $pkg $tests fails on the unmutated tree:" >&2
			sed -n '1,40p' "$log" >&2
			exit 1
		fi
		baseline[$pkg $tests]=ok
	fi
	cp "$scratch/$file" "$scratch/$file.orig"
	if ! FROM="$from" TO="$to" perl -0pi -e '
		my $n = () = /\Q$ENV{FROM}\E/g;
		if ($n != 1) { print STDERR "matches $n times, want 1\n"; exit 3 }
		s/\Q$ENV{FROM}\E/$ENV{TO}/;
	' "$scratch/$file" 2>"$log"; then
		status=BROKEN
		echo "   $file: the substitution does not apply: $(cat "$log")" >"$log.why"
	elif (cd "$scratch" && go test -count=1 -timeout 5m -run "$tests" "$pkg") >"$log" 2>&1; then
		status=SURVIVED
	elif grep -q -E -e '^ *--- FAIL' "$log"; then
		status=killed
	else
		# Failed, but no test did: the mutant does not build or vet.
		status=BROKEN
		{ echo "   no test failed; the mutant does not build or vet:"; sed -n '1,20p' "$log"; } >"$log.why"
	fi
	mv "$scratch/$file.orig" "$scratch/$file"
	printf '%-8s %-44s %s %s\n' "$status" "$name" "$pkg" "$tests"
	case "$status" in
	killed) killed=$((killed + 1)) ;;
	SURVIVED) survived=$((survived + 1)) ;;
	BROKEN)
		broken=$((broken + 1))
		cat "$log.why"
		rm -f "$log.why"
		;;
	esac
}

mutant duplicate-argument-keys-allowed \
	pkg/connector/strictjson.go ./pkg/connector '^TestStrictParseRefuses$' \
	'if _, dup := obj[k]; dup {' \
	'if _, dup := obj[k]; dup && false {'

mutant tool-body-fed-the-raw-arguments \
	pkg/connector/toolkit/run.go ./pkg/connector '^TestUpstreamRequestIsAFunctionOfTheCanonicalArguments$' \
	'out, err := body(ctx, c, a)' \
	'ra, _ := DecodeArgs[A](raw); out, err := body(ctx, c, ra)'

mutant normalisation-skipped \
	pkg/connector/toolkit/run.go ./pkg/connector '^TestUpstreamRequestIsAFunctionOfTheCanonicalArguments$' \
	'if err := PA(&a).Normalise(); err != nil {' \
	'if err := error(nil); err != nil {'

mutant key-policy-replaces-the-default \
	pkg/guard/layers.go ./pkg/guard '^TestDefaultPolicyIsTheFloorOfEveryKey$' \
	'if e.Default != nil {
		ls = append(' \
	'if e.Default != nil && e.Key == nil {
		ls = append('

mutant unknown-key-id-skips-argon2id \
	pkg/apikey/verifier.go ./pkg/apikey '^TestVerifierRefusalTimeDoesNotRevealKnownIDs$' \
	'		known = false
' \
	'		return store.APIKey{}, ErrInvalid
'

mutant keyed-audit-hash-not-checked \
	pkg/audit/verify.go ./pkg/audit '^TestVerifyDetectsARewriteWithEveryLaterHashRecomputed$' \
	'if !c.ring.valid(r) {' \
	'if false && !c.ring.valid(r) {'

mutant legacy-audit-format-accepted-after-keying \
	pkg/audit/verify.go ./pkg/audit '^TestVerifyMigratesLegacyRecordsOnceThenRefusesTheLegacyFormat$' \
	'case r.Chain == ChainLegacy && c.ring != nil:' \
	'case r.Chain == ChainLegacy && c.ring != nil && false:'

mutant dek-row-mac-not-checked \
	pkg/vault/vault.go ./pkg/vault '^TestDEKRowsMustBeTheVaults$' \
	'if !hmac.Equal(d.MAC, dekMAC(key, d)) {' \
	'if false && !hmac.Equal(d.MAC, dekMAC(key, d)) {'

mutant seal-and-store-not-resealing-on-stale-dek \
	pkg/vault/vault.go ./pkg/vault '^TestSealAndStoreSealsAgainUnderTheCurrentVersion$' \
	'if !errors.Is(err, store.ErrStaleDEK) || attempt == staleRetries {' \
	'if true || !errors.Is(err, store.ErrStaleDEK) || attempt == staleRetries {'

mutant snapshot-kept-across-generations \
	pkg/snapshot/snapshot.go ./pkg/snapshot '^TestSnapshot' \
	'if c.cur == nil || gen != c.cur.gen {' \
	'if c.cur == nil {'

mutant admin-listener-host-check-removed \
	pkg/server/server.go ./pkg/server '^(TestAdminCheck|TestListenersCheckHostAndOrigin)$' \
	'return adminCheck(cfg.Admin.Listen, bound).wrap(s.adminHandler())' \
	'return s.adminHandler()'

mutant dek-cache-unwrap-not-shared \
	pkg/vault/cache.go ./pkg/vault '^TestDEKCacheUnwrapsOncePerLifetime$' \
	'if f, ok := c.inflight[key]; ok {' \
	'if f, ok := c.inflight[key]; ok && false {'

mutant audit-written-after-the-result \
	pkg/gateway/call.go ./test/e2e '^TestAuditRecordSurvivesKill$' \
	'_, err = g.audit.Write(actx, rec)' \
	'go g.audit.Write(context.WithoutCancel(actx), rec); err = nil'

# The connectors against the providers' published descriptions.
mutant gmail-called-off-its-discovery-root \
	pkg/connector/google/client.go ./pkg/connector/google '^TestRequestsFollowTheDiscoveryDocuments$' \
	'GmailURL  = "https://gmail.googleapis.com"' \
	'GmailURL  = "https://www.googleapis.com"'

mutant dropbox-fake-lists-links-with-sharing-write \
	pkg/connector/dropbox/dropboxfake/files.go ./pkg/connector/dropbox '^TestFakeRefusesMissingScopes$' \
	'{"sharing.read", (*Server).listSharedLinks}' \
	'{"sharing.read|sharing.write", (*Server).listSharedLinks}'

mutant credential-logged-by-serve \
	pkg/gateway/call.go ./test/e2e '^TestCanaryAppearsNowhere$' \
	'limit := g.resultLimit(dec)' \
	'g.log.Debug("opened credential", "connection", connName, "credential", cred.Reveal()); limit := g.resultLimit(dec)'

mutant connect-test-prints-the-credential \
	pkg/appliance/connections.go ./test/e2e '^TestCanaryAppearsNowhere$' \
	'return account, nil' \
	'return account + cred.Reveal(), nil'

mutant oauth-client-secret-sent-as-a-scope \
	pkg/oauth/config.go ./test/e2e '^TestCanaryAppearsNowhere$' \
	'Scopes:       scopes,' \
	'Scopes:       append(scopes, secret),'

mutant oauth-state-not-used-up \
	pkg/oauth/flow.go ./test/e2e '^TestOAuthRefusedCallbackChangesNothing$' \
	'ps, err := f.Store.Privileged().TakeOAuthState(ctx, hash)' \
	'ps, err := f.Store.Privileged().OAuthState(ctx, hash)'

mutant declined-consent-keeps-the-state \
	pkg/oauth/callback.go ./test/e2e '^TestOAuthRefusedCallbackChangesNothing$' \
	'		if state != "" {
			if _, err := cb.f.take(' \
	'		if state == "-" {
			if _, err := cb.f.take('

mutant refused-code-marks-the-connection \
	pkg/oauth/flow.go ./test/e2e '^TestOAuthRefusedCallbackChangesNothing$' \
	'return store.Connection{}, fmt.Errorf("exchange the authorization code with %s: %s", ps.Provider, describeTokenError(err))' \
	'if c, e := f.Store.User(ps.UserID).Connection(ctx, ps.Name); e == nil { c.Status = StatusNeedsReauth; _ = f.Store.User(ps.UserID).UpdateConnection(ctx, c) }; return store.Connection{}, fmt.Errorf("exchange the authorization code with %s: %s", ps.Provider, describeTokenError(err))'

mutant dek-cache-shared-between-users \
	pkg/vault/vault.go ./test/e2e '^TestRotationUnderLoad$' \
	'aead, err := v.cache.get(cacheKey{userID, version}, func() (cipher.AEAD, error) {' \
	'aead, err := v.cache.get(cacheKey{"", version}, func() (cipher.AEAD, error) {'

mutant snapshot-kept-across-processes \
	pkg/snapshot/snapshot.go ./test/e2e '^TestAddedConnectionShowsOnNextRequest$' \
	'if c.cur == nil || gen != c.cur.gen {' \
	'if c.cur == nil {'

mutant audit-waiter-released-before-the-shared-commit \
	pkg/audit/writer.go ./pkg/audit '^TestWriterRecordsOfManyUsersAreStoredBeforeWriteReturns$' \
	'w.st.AppendAudits(context.Background(), ready)' \
	'go w.st.AppendAudits(context.Background(), ready)'

mutant consent-scope-not-given-to-the-grant \
	pkg/authserver/token.go ./test/e2e '^TestOAuthConsentRefusesAForgedForm$' \
	'k.Scope = req.Scope' \
	'_ = req.Scope'

mutant consent-takes-a-connection-the-user-lacks \
	pkg/authserver/consent.go ./test/e2e '^TestOAuthConsentRefusesAForgedForm$' \
	'if !slices.ContainsFunc(conns,' \
	'if false && !slices.ContainsFunc(conns,'

mutant generation-read-shared-with-a-later-request \
	pkg/snapshot/generation.go ./pkg/snapshot '^TestSnapshotAnAtDuringAReadStillSeesAChangeCommittedBeforeIt$' \
	'c.handOff(context.WithoutCancel(ctx))' \
	'c.gmu.Lock(); if n := c.next; n != nil { c.next = nil; n.gen, n.err = gen, err; close(n.done) }; c.reading = false; c.gmu.Unlock()'

mutant escaped-secret-judged-absent-from-a-result \
	pkg/secret/json.go ./pkg/secret '^TestNoneInJSON' \
	'if !ok || plainByte(c) {' \
	'if _ = c; !ok {'

mutant approval-used-twice \
	pkg/store/sqlstore/approvals.go ./pkg/store/sqlite '^TestConformance$/^Approvals$' \
	'"UPDATE approvals SET used_at = ? WHERE user_id = ? AND id = ? AND used_at = 0", micros(now)' \
	'"UPDATE approvals SET used_at = used_at WHERE user_id = ? AND id = ? AND ? > 0", micros(now)'

mutant approval-not-bound-to-the-arguments \
	pkg/approval/approval.go ./test/e2e '^TestApprovalRetryUsesTheDecisionOnce$' \
	'	b, err := json.Marshal(args)' \
	'	b, err := json.Marshal(len(args))'

mutant approval-page-without-csrf \
	pkg/approval/page.go ./test/e2e '^TestApprovalPage$' \
	'if err != nil || form == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(form)) != 1 {' \
	'if false && (err != nil || form == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(form)) != 1) {'

mutant forwarded-checkpoint-miscounts-the-chain \
	pkg/auditfwd/forwarder.go ./test/e2e '^TestForwardContinuesAfterAPruneOfUnsentRecords$' \
	'count = anchor.Pruned' \
	'count = 0'

mutant forward-verify-forgets-the-prune-anchor \
	pkg/auditfwd/check.go ./test/e2e '^TestForwardWebhookOutageRestartAndVerifyAgainst$' \
	'case r.Seq <= anchor.Seq:' \
	'case r.Seq < 0 && anchor.Seq >= 0:'

mutant forwarding-lease-ignored \
	pkg/store/sqlstore/forward.go ./test/e2e '^TestForwardOneReplicaAtATime$' \
	'WHERE leases.holder = excluded.holder OR leases.expires_at <= ?' \
	'WHERE leases.holder = excluded.holder OR leases.expires_at <= ? OR 1 = 1'

mutant passkey-endpoints-take-another-sites-post \
	pkg/authserver/ceremony.go ./pkg/authserver '^TestPasskeySignInChecksWhatTheAuthenticatorSigned$' \
	'if r.Header.Get("Origin") != s.origin() || err != nil' \
	'if err != nil'

mutant expired-browser-session-signs-in \
	pkg/authserver/session.go ./pkg/authserver '^TestPasskeySignInChecksWhatTheAuthenticatorSigned$' \
	'if sess.UserID != userID || !s.now().Before(sess.ExpiresAt) {' \
	'if sess.UserID != userID {'

mutant cloned-passkey-signs-in \
	pkg/authserver/signin.go ./pkg/authserver '^TestPasskeySignInChecksWhatTheAuthenticatorSigned$' \
	'	if cred.Authenticator.CloneWarning {' \
	'	if false && cred.Authenticator.CloneWarning {'

mutant passkey-sign-in-returns-anywhere \
	pkg/authserver/signin.go ./pkg/authserver '^TestPasskeySignInReturnsOnlyToAnApprovalPage$' \
	'	if !returnPaths.MatchString(p) {' \
	'	if p == "" {'

mutant approval-page-ignores-the-approvals-user \
	pkg/approval/page.go ./test/e2e '^TestApprovalPage$' \
	'a, err := p.Store.User(userID).Approval(r.Context(), id)' \
	'a, err := p.Store.User(userID).Approval(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		if us, e := p.Store.Privileged().ListUsers(r.Context()); e == nil {
			for _, u := range us {
				if o, e := p.Store.User(u.ID).Approval(r.Context(), id); e == nil {
					a, err, userID = o, nil, u.ID
				}
			}
		}
	}'

mutant enrolment-link-works-twice \
	pkg/store/sqlstore/passkeys.go ./pkg/store/sqlite '^TestConformance$/^Passkeys$' \
	'WHERE hash = ? AND user_id = ? AND used_at = 0 AND expires_at > ?",' \
	'WHERE hash = ? AND user_id = ? AND expires_at > ?",'

mutant relay-shared-by-the-clients-of-a-connection \
	pkg/mcpup/relay.go ./test/e2e '^TestMCPRelayIsolationAndSecrets$' \
	'return connID + "\x00" + owner' \
	'return connID + "\x00"'

mutant relayed-elicitation-not-scrubbed \
	pkg/gateway/mcprelaysend.go ./test/e2e '^TestMCPRelayIsolationAndSecrets$' \
	'res, err := r.ss.Elicit(ctx, &clean)' \
	'res, err := r.ss.Elicit(ctx, p)'

# The generation watch exists on PostgreSQL alone: its tests skip without it.
if [ -n "${MCPGATE_TEST_POSTGRES_URL:-}" ]; then
	mutant generation-writer-does-not-wait-for-the-watches \
		pkg/store/postgres/postgres.go ./pkg/store/postgres '^TestRevocationIsHonouredOnTheNextRequestFromTheWatch$' \
		's.SetWriteHook(func(ctx context.Context) { settle(ctx, db) })' \
		's.SetWriteHook(func(ctx context.Context) {})'
	mutant generation-watch-trusted-past-its-lease \
		pkg/store/postgres/watch.go ./pkg/store/postgres '^TestAWatchThatStopsRenewingFallsBackToReads$' \
		'if time.Since(w.base) >= time.Duration(w.valid.Load()) {' \
		'if w.valid.Load() == 0 {'
	mutant generation-writer-ignores-leases \
		pkg/store/postgres/watch.go ./pkg/store/postgres '^TestAWriterWaitsForEveryLeaseButNotPastIt$' \
		'w.seen < g.n AND w.lease_until > now()`' \
		'w.seen < g.n AND w.lease_until > now() + interval '"'"'10 seconds'"'"'`'
	mutant generation-watch-misses-notifications-received-during-a-renewal \
		pkg/store/postgres/watch.go ./pkg/store/postgres '^TestWritesInARowAreTakenAtOnce$' \
		'_, err := conn.WaitForNotification(ctx)' \
		'err := conn.PgConn().WaitForNotification(ctx)'
	# shellcheck disable=SC2016 # $1 is SQL's, not the shell's
	mutant generation-watch-reads-before-its-row-is-live \
		pkg/store/postgres/watch.go ./pkg/store/postgres '^TestAChangeAsTheWatchStartsIsSeen$' \
		'VALUES ($1, 0, now() +' \
		'VALUES ($1 || '"'"'-elsewhere'"'"', 0, now() - interval '"'"'1 hour'"'"' -'
fi

if [ "$broken" -gt 0 ]; then
	echo "mutants: $killed killed, $survived survived, $broken broken (fix the substitution or the build)"
else
	echo "mutants: $killed killed, $survived survived"
fi
[ "$survived" -eq 0 ] && [ "$broken" -eq 0 ]
