import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tokenize } from "../src/models/text-classifier.js";

// Rebuilds the shipped models in ../models from their training data, deterministically:
//   pnpm --filter @modelmesh/example-runtime train
// Each model.json is small enough to read; each folder's README says what the model is.

const modelsDir = join(import.meta.dirname, "../models");
const round = (x: number) => Number(x.toFixed(6));

function write(name: string, model: Record<string, unknown>): void {
  // Indented JSON, with each array of numbers on one line so the weights read as rows.
  const text = JSON.stringify(model, null, 2).replace(
    /\[\s*(-?[\d.e+-]+(?:,\s*-?[\d.e+-]+)*)\s*\]/g,
    (_, list: string) => `[${list.split(/,\s*/).join(", ")}]`,
  );
  writeFileSync(join(modelsDir, name, "model.json"), `${text}\n`);
  console.log(`wrote ${name}/model.json`);
}

/** Seeded PRNG (mulberry32), so the synthetic data sets are the same on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal sample (Box–Muller). */
function normal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Solves A x = b (n × n, Gaussian elimination with partial pivoting). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i] ?? 0]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++)
      if (Math.abs(m[r]?.[col] ?? 0) > Math.abs(m[pivot]?.[col] ?? 0)) pivot = r;
    [m[col], m[pivot]] = [m[pivot] ?? [], m[col] ?? []];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = (m[r]?.[col] ?? 0) / (m[col]?.[col] ?? 1);
      for (let c = col; c <= n; c++) (m[r] as number[])[c] = (m[r]?.[c] ?? 0) - f * (m[col]?.[c] ?? 0);
    }
  }
  return m.map((row, i) => (row[n] ?? 0) / (row[i] ?? 1));
}

/** Multinomial naive Bayes with add-one (Laplace) smoothing over the words of training.tsv. */
function trainSentiment(): void {
  const lines = readFileSync(join(modelsDir, "sentiment/training.tsv"), "utf8").trim().split("\n");
  const classes = ["negative", "positive"];
  const docs = lines.map((line) => {
    const [label = "", text = ""] = line.split("\t");
    return { c: classes.indexOf(label), words: tokenize(text) };
  });
  const vocabulary = [...new Set(docs.flatMap((d) => d.words))].sort();
  const counts = classes.map(() => new Map<string, number>());
  const totals = classes.map(() => 0);
  for (const { c, words } of docs) {
    for (const w of words) counts[c]?.set(w, (counts[c]?.get(w) ?? 0) + 1);
    totals[c] = (totals[c] ?? 0) + words.length;
  }
  const priors = classes.map((_, c) => round(Math.log(docs.filter((d) => d.c === c).length / docs.length)));
  const likelihoods = Object.fromEntries(
    vocabulary.map((w) => [
      w,
      classes.map((_, c) =>
        round(Math.log(((counts[c]?.get(w) ?? 0) + 1) / ((totals[c] ?? 0) + vocabulary.length))),
      ),
    ]),
  );
  write("sentiment", {
    kind: "text-classifier",
    description: "Sentiment of English text (negative/positive): multinomial naive Bayes, add-one smoothing.",
    trainedOn: "training.tsv (50 hand-written review sentences, 25 per class)",
    classes,
    classLogPriors: priors,
    vocabulary: likelihoods,
  });
}

/** Ordinary least squares on 200 synthetic flats: price from area, rooms and age. */
function trainHousing(): void {
  const random = seeded(42);
  const rows = Array.from({ length: 200 }, () => {
    const area = 30 + random() * 150;
    const rooms = 1 + Math.floor(random() * 6);
    const age = Math.floor(random() * 80);
    const price = 40_000 + 2_500 * area + 8_000 * rooms - 600 * age + 12_000 * normal(random);
    return { x: [1, area, rooms, age], y: price };
  });
  // Normal equations: (XᵀX) β = Xᵀy.
  const xtx = [0, 1, 2, 3].map((i) =>
    [0, 1, 2, 3].map((j) => rows.reduce((s, r) => s + (r.x[i] ?? 0) * (r.x[j] ?? 0), 0)),
  );
  const xty = [0, 1, 2, 3].map((i) => rows.reduce((s, r) => s + (r.x[i] ?? 0) * r.y, 0));
  const [bias = 0, ...weights] = solve(xtx, xty);
  write("housing-linear", {
    kind: "linear-regression",
    description: "Flat price (EUR) from floor area (m²), rooms and building age (years): linear regression.",
    trainedOn: "200 synthetic flats (seed 42): 40000 + 2500·area + 8000·rooms − 600·age + N(0, 12000)",
    features: ["area_m2", "rooms", "age_years"],
    output: "price_eur",
    weights: weights.map(round),
    bias: round(bias),
  });
}

/** Logistic regression by Newton's method (IRLS) on 300 synthetic applicants with two exam scores. */
function trainAdmission(): void {
  const random = seeded(7);
  const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
  const data = Array.from({ length: 300 }, () => {
    const x = [1, 30 + random() * 70, 30 + random() * 70];
    const p = sigmoid(-14 + 0.12 * (x[1] ?? 0) + 0.1 * (x[2] ?? 0));
    return { x, y: random() < p ? 1 : 0 };
  });
  let beta = [0, 0, 0];
  for (let iteration = 0; iteration < 25; iteration++) {
    const hessian = [0, 1, 2].map(() => [0, 0, 0]);
    const gradient = [0, 0, 0];
    for (const { x, y } of data) {
      const p = sigmoid(x.reduce((s, xi, i) => s + xi * (beta[i] ?? 0), 0));
      for (let i = 0; i < 3; i++) {
        gradient[i] = (gradient[i] ?? 0) + (y - p) * (x[i] ?? 0);
        for (let j = 0; j < 3; j++)
          (hessian[i] as number[])[j] = (hessian[i]?.[j] ?? 0) + p * (1 - p) * (x[i] ?? 0) * (x[j] ?? 0);
      }
    }
    const step = solve(hessian, gradient);
    beta = beta.map((b, i) => b + (step[i] ?? 0));
  }
  const [bias = 0, ...weights] = beta;
  write("admission-logistic", {
    kind: "logistic-regression",
    description:
      "Admission chance from two exam scores (0–100): binary logistic regression as a 2-class softmax.",
    trainedOn: "300 synthetic applicants (seed 7): P(admitted) = σ(−14 + 0.12·exam1 + 0.1·exam2)",
    features: ["exam1", "exam2"],
    classes: ["rejected", "admitted"],
    weights: [[0, 0], weights.map(round)],
    biases: [0, round(bias)],
  });
}

/** The classic depth-2 CART tree for Fisher's Iris data, written out by hand. */
function writeIrisTree(): void {
  write("iris-tree", {
    kind: "decision-tree",
    description: "Iris species from sepal and petal measurements (cm): the classic depth-2 CART tree.",
    trainedOn: "Fisher's Iris data (150 flowers); leaf counts are the training samples reaching each leaf",
    features: ["sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm"],
    classes: ["setosa", "versicolor", "virginica"],
    nodes: [
      { feature: 2, threshold: 2.45, left: 1, right: 2 },
      { leaf: [50, 0, 0] },
      { feature: 3, threshold: 1.75, left: 3, right: 4 },
      { leaf: [0, 49, 5] },
      { leaf: [0, 1, 45] },
    ],
  });
}

trainSentiment();
trainHousing();
trainAdmission();
writeIrisTree();
