//! How fast our deliveries are signed: RSA-2048 PKCS#1 v1.5 with SHA-256 by the `rsa`
//! crate (what signed before), by `ring` and by `aws-lc-rs` (what signs now, through
//! `federation::signing::SigningKey`), in the same run on the same key and the same
//! payloads; then whole signed requests as the delivery worker builds them.
//!
//! ```sh
//! cargo run --release --example bench_signing -- --samples 200 --rounds 3
//! ```
//!
//! Each round signs `--samples` distinct draft-cavage signing strings with each library in
//! turn (so contention from other processes spreads over all of them) and checks that the
//! three give the same bytes. The table gives the best and the worst round's mean. Nothing
//! here touches the network: the requests are built, never sent.

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use clap::Parser;
use kentongan::federation::signing::{self, SigningKey};
use rsa::{Pkcs1v15Sign, RsaPrivateKey, pkcs8::DecodePrivateKey};
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};
use url::Url;

#[derive(Parser)]
struct Args {
    /// Signatures per library and round.
    #[arg(long, default_value_t = 200)]
    samples: usize,
    /// Rounds; the table shows the best and the worst.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
}

/// What one measure took per operation, over the rounds.
#[derive(Default)]
struct Spread(Vec<Duration>);

impl Spread {
    fn add(&mut self, total: Duration, count: usize) {
        self.0.push(total / count.max(1) as u32);
    }
    fn best(&self) -> Duration {
        self.0.iter().copied().min().unwrap_or_default()
    }
    fn worst(&self) -> Duration {
        self.0.iter().copied().max().unwrap_or_default()
    }
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1000.0)
}

/// Draft-cavage signing strings as the delivery worker signs them, one per body.
fn signing_strings(samples: usize) -> Vec<String> {
    (0..samples)
        .map(|i| {
            let body = format!("{{\"type\":\"Create\",\"id\":\"https://desa.example/a/{i}\"}}");
            format!(
                "(request-target): post /inbox\nhost: server{i}.example\ndate: Thu, 03 Dec 2026 10:00:00 GMT\ndigest: SHA-256={}\ncontent-type: application/activity+json",
                hex::encode(Sha256::digest(body.as_bytes()))
            )
        })
        .collect()
}

fn time<T>(mut each: impl FnMut(usize) -> Result<T>, count: usize) -> Result<(Duration, Vec<T>)> {
    let mut out = Vec::with_capacity(count);
    let started = Instant::now();
    for i in 0..count {
        out.push(each(i)?);
    }
    Ok((started.elapsed(), out))
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let samples = args.samples.max(1);
    eprintln!("load average before: {}", load_average());
    let pair = activitypub_federation::http_signatures::generate_actor_keypair()
        .map_err(|err| anyhow::anyhow!("generating a key: {err}"))?;
    let pem = pair.private_key.as_str();
    let messages = signing_strings(samples);

    let der = rsa::pkcs8::SecretDocument::from_pem(pem)
        .map_err(|err| anyhow::anyhow!("reading the PEM: {err}"))?
        .1;
    let [mut parse_rsa, mut parse_ring, mut parse_aws] = <[Spread; 3]>::default();
    let [
        mut rsa_sign,
        mut ring_sign,
        mut aws_sign,
        mut converted_sign,
    ] = <[Spread; 4]>::default();
    let [mut cavage, mut cavage_converted, mut rfc9421] = <[Spread; 3]>::default();
    let [mut two_threads, mut aws_two_threads] = <[Spread; 2]>::default();
    let parses = 20;
    let client = reqwest::Client::new();
    let inbox = Url::parse("https://server.example/inbox").context("inbox")?;
    let actor = Url::parse("https://desa.example/u/desa").context("actor")?;
    let body = Bytes::from(vec![b'x'; 2_000]);

    for round in 0..args.rounds.max(1) {
        eprintln!("round {}", round + 1);
        let (took, _) = time(|_| Ok(RsaPrivateKey::from_pkcs8_pem(pem)?), parses)?;
        parse_rsa.add(took, parses);
        let (took, _) = time(
            |_| {
                ring::rsa::KeyPair::from_pkcs8(der.as_bytes())
                    .map_err(|err| anyhow::anyhow!("ring refused the key: {err}"))
            },
            parses,
        )?;
        parse_ring.add(took, parses);
        let (took, _) = time(|_| SigningKey::from_pkcs8_pem(pem), parses)?;
        parse_aws.add(took, parses);

        let rsa_key = RsaPrivateKey::from_pkcs8_pem(pem)?;
        let ring_key = ring::rsa::KeyPair::from_pkcs8(der.as_bytes())
            .map_err(|err| anyhow::anyhow!("ring refused the key: {err}"))?;
        let aws_key = SigningKey::from_pkcs8_pem(pem)?;
        let ring_rng = ring::rand::SystemRandom::new();

        let (took, by_rsa) = time(
            |i| {
                Ok(rsa_key.sign(
                    Pkcs1v15Sign::new::<Sha256>(),
                    &Sha256::digest(messages[i].as_bytes()),
                )?)
            },
            samples,
        )?;
        rsa_sign.add(took, samples);
        let (took, by_ring) = time(
            |i| {
                let mut signature = vec![0; ring_key.public().modulus_len()];
                ring_key
                    .sign(
                        &ring::signature::RSA_PKCS1_SHA256,
                        &ring_rng,
                        messages[i].as_bytes(),
                        &mut signature,
                    )
                    .map_err(|_| anyhow::anyhow!("ring failed to sign"))?;
                Ok(signature)
            },
            samples,
        )?;
        ring_sign.add(took, samples);
        let (took, by_aws) = time(
            |i| Ok(aws_key.sign_sha256(messages[i].as_bytes())?),
            samples,
        )?;
        aws_sign.add(took, samples);
        if by_rsa != by_ring || by_rsa != by_aws {
            bail!("the libraries disagree on a signature");
        }
        let (took, _) = time(
            |i| Ok(SigningKey::from(rsa_key.clone()).sign_sha256(messages[i].as_bytes())?),
            samples,
        )?;
        converted_sign.add(took, samples);

        // Both cores at once: the rate the machine can sign at.
        for (spread, use_aws) in [(&mut two_threads, false), (&mut aws_two_threads, true)] {
            let started = Instant::now();
            std::thread::scope(|scope| -> Result<()> {
                let workers: Vec<_> = (0..2)
                    .map(|_| {
                        scope.spawn(|| -> Result<()> {
                            for message in &messages {
                                if use_aws {
                                    aws_key.sign_sha256(message.as_bytes())?;
                                } else {
                                    rsa_key.sign(
                                        Pkcs1v15Sign::new::<Sha256>(),
                                        &Sha256::digest(message.as_bytes()),
                                    )?;
                                }
                            }
                            Ok(())
                        })
                    })
                    .collect();
                for worker in workers {
                    worker
                        .join()
                        .map_err(|_| anyhow::anyhow!("a signing thread panicked"))??;
                }
                Ok(())
            })?;
            spread.add(started.elapsed(), 2 * samples);
        }

        let started = Instant::now();
        for _ in 0..samples {
            signing::signed_post(&client, &inbox, body.clone(), &actor, aws_key.clone())
                .await
                .map_err(|err| anyhow::anyhow!("signing a request: {err}"))?;
        }
        cavage.add(started.elapsed(), samples);
        let started = Instant::now();
        for _ in 0..samples {
            signing::signed_post(&client, &inbox, body.clone(), &actor, rsa_key.clone())
                .await
                .map_err(|err| anyhow::anyhow!("signing a request: {err}"))?;
        }
        cavage_converted.add(started.elapsed(), samples);
        let started = Instant::now();
        for _ in 0..samples {
            signing::signed_post_rfc9421(&client, &inbox, body.clone(), &actor, aws_key.clone())
                .await
                .context("signing an RFC 9421 request")?;
        }
        rfc9421.add(started.elapsed(), samples);
    }
    eprintln!("load average after: {}", load_average());

    let rsa_best = rsa_sign.best();
    println!(
        "| RSA-2048 PKCS#1 v1.5 SHA-256, {samples} payloads, mean per operation | best round, ms | worst round, ms | vs `rsa` 0.9 (best) |"
    );
    println!("|---|---:|---:|---:|");
    let row = |name: &str, spread: &Spread, compare: bool| {
        let ratio = if compare {
            format!(
                "{:.1} × faster",
                rsa_best.as_secs_f64() / spread.best().as_secs_f64().max(1e-9)
            )
        } else {
            String::new()
        };
        println!(
            "| {name} | {} | {} | {ratio} |",
            ms(spread.best()),
            ms(spread.worst())
        );
    };
    row("sign: `rsa` 0.9 (before)", &rsa_sign, false);
    row("sign: `ring` 0.17", &ring_sign, true);
    row("sign: `aws-lc-rs` 1 (`SigningKey`, now)", &aws_sign, true);
    row(
        "sign: an `rsa` key converted each time (`SigningKey::from`)",
        &converted_sign,
        true,
    );
    row(
        "sign on both cores, `rsa` 0.9 (wall time / signatures)",
        &two_threads,
        false,
    );
    row(
        "sign on both cores, `aws-lc-rs` (wall time / signatures)",
        &aws_two_threads,
        false,
    );
    row("parse the PKCS#8 key: `rsa` 0.9", &parse_rsa, false);
    row("parse the PKCS#8 key: `ring` 0.17", &parse_ring, false);
    row(
        "parse the PKCS#8 key: `aws-lc-rs` (`SigningKey::from_pkcs8_pem`)",
        &parse_aws,
        false,
    );
    row(
        "whole draft-cavage request (`signing::signed_post`, `SigningKey`)",
        &cavage,
        false,
    );
    row(
        "same, handed an `rsa` key (converted per request)",
        &cavage_converted,
        false,
    );
    row(
        "whole RFC 9421 request (`signing::signed_post_rfc9421`)",
        &rfc9421,
        false,
    );
    println!();
    println!(
        "signatures/s on one core: rsa {:.0}, ring {:.0}, aws-lc-rs {:.0}; on both cores: rsa {:.0}, aws-lc-rs {:.0}",
        1.0 / rsa_best.as_secs_f64(),
        1.0 / ring_sign.best().as_secs_f64(),
        1.0 / aws_sign.best().as_secs_f64(),
        1.0 / two_threads.best().as_secs_f64(),
        1.0 / aws_two_threads.best().as_secs_f64(),
    );
    Ok(())
}
