package dev.batchlm.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Every configuration key batchlm knows, with its default. Unknown keys are rejected. */
public final class ConfigKeys {
  public static final ConfigKey RUN_DATE =
      key("run.date", null, "Run date YYYY-MM-DD of the partitions written (default: today, UTC)");
  public static final ConfigKey RUN_SEED =
      key("run.seed", "42", "Seed for anything random in a run; recorded in _run.json");
  public static final ConfigKey RUN_FORCE =
      key(
          "run.force",
          "false",
          "Run even when this date's partitions are up to date (same inputs, config and build as"
              + " the run that wrote them, which finished its work); --force");
  public static final ConfigKey OUTPUT_ROOT =
      key("output.root", "\"out\"", "ROOT: tables are read from and written to ROOT/<table>/");

  public static final ConfigKey INGEST_INPUT =
      key("ingest.input", null, "Files (any Hadoop path, read recursively) or a table to ingest");
  public static final ConfigKey INGEST_FORMAT =
      key("ingest.format", "\"files\"", "files | parquet | jsonl: how ingest.input is read");
  public static final ConfigKey INGEST_ID_COLUMN =
      key("ingest.id-column", "\"id\"", "Id column when ingest.format is a table");
  public static final ConfigKey INGEST_TEXT_COLUMN =
      key("ingest.text-column", "\"text\"", "Text column when ingest.format is a table");
  public static final ConfigKey INGEST_TITLE_COLUMN =
      key("ingest.title-column", "\"\"", "Optional title column when ingest.format is a table");
  public static final ConfigKey INGEST_MAX_FILE_BYTES =
      key("ingest.max-file-bytes", "67108864", "Files larger than this are quarantined unread");
  public static final ConfigKey INGEST_MAX_CHARS =
      key("ingest.max-chars", "20000000", "Documents whose text is longer are quarantined");
  public static final ConfigKey INGEST_MAX_UNDECODABLE_RATIO =
      key(
          "ingest.max-undecodable-ratio",
          "0.01",
          "Quarantine text whose share of U+FFFD or control characters exceeds this");
  public static final ConfigKey INGEST_PARTITIONS =
      key("ingest.partitions", "0", "Spark partitions for extraction (0: from the file count)");

  public static final ConfigKey CHUNK_INPUT =
      key("chunk.input", null, "Documents table to chunk (default: ROOT/documents)");
  public static final ConfigKey CHUNK_STRATEGY =
      key("chunk.strategy", "\"recursive\"", "recursive | sentence | markdown | tokens");
  public static final ConfigKey CHUNK_SIZE =
      key("chunk.size", "1000", "Maximum chunk size, in chunk.unit (tokens strategy: tokens)");
  public static final ConfigKey CHUNK_OVERLAP =
      key("chunk.overlap", "200", "Overlap between consecutive chunks, in chunk.unit");
  public static final ConfigKey CHUNK_UNIT =
      key("chunk.unit", "\"chars\"", "chars (Unicode code points) | tokens (of chunk.tokenizer)");
  public static final ConfigKey CHUNK_SEPARATORS =
      key(
          "chunk.separators",
          "[\"\\n\\n\", \"\\n\", \" \", \"\"]",
          "recursive: separators tried in order (LangChain RecursiveCharacterTextSplitter)");
  public static final ConfigKey CHUNK_KEEP_SEPARATOR =
      key("chunk.keep-separator", "\"start\"", "recursive: start | end | none");
  public static final ConfigKey CHUNK_TOKENIZER =
      key(
          "chunk.tokenizer",
          "\"\"",
          "Hugging Face tokenizer.json (any Hadoop path) for token sizes and token_count");

  public static final ConfigKey EMBED_INPUT =
      key("embed.input", null, "Chunks table to embed (default: ROOT/chunks)");
  public static final ConfigKey EMBED_MODEL =
      key("embed.model", null, "Hugging Face BERT-family checkpoint folder, any Hadoop path");
  public static final ConfigKey EMBED_ENDPOINT =
      key(
          "embed.endpoint",
          "\"\"",
          "OpenAI-compatible base URL (http://vllm:8000/v1) instead of embed.model");
  public static final ConfigKey EMBED_ENDPOINT_MODEL =
      key("embed.endpoint-model", "\"\"", "Model name sent to embed.endpoint");
  public static final ConfigKey EMBED_API_KEY_ENV =
      key("embed.api-key-env", "\"\"", "Environment variable holding the endpoint's API key");
  public static final ConfigKey EMBED_TIMEOUT_MS =
      key("embed.timeout-ms", "60000", "Timeout of one endpoint request");
  public static final ConfigKey EMBED_MAX_ATTEMPTS =
      key("embed.max-attempts", "5", "Attempts per endpoint request (retriable failures only)");
  public static final ConfigKey EMBED_BATCH_SIZE =
      key("embed.batch-size", "32", "Texts per forward pass (texts of similar length share one)");
  public static final ConfigKey EMBED_POOLING =
      key(
          "embed.pooling",
          "\"auto\"",
          "auto (the checkpoint's 1_Pooling config) | mean | cls | max | mean_sqrt_len");
  public static final ConfigKey EMBED_NORMALIZE =
      key(
          "embed.normalize",
          "\"auto\"",
          "auto (a Normalize module in modules.json) | true | false");
  public static final ConfigKey EMBED_PASSAGE_PREFIX =
      key("embed.passage-prefix", "\"\"", "Prepended to every chunk, e.g. \"passage: \" for E5");
  public static final ConfigKey EMBED_MAX_LENGTH =
      key(
          "embed.max-length",
          "0",
          "Tokens per text, longer ones truncated (0: the model's maximum)");

  public static final ConfigKey RETRIEVE_QUERIES =
      key(
          "retrieve.queries",
          null,
          "Queries table (JSONL or Parquet) with an id and a text column");
  public static final ConfigKey RETRIEVE_QUERY_FORMAT =
      key("retrieve.query-format", "\"jsonl\"", "jsonl | parquet");
  public static final ConfigKey RETRIEVE_QUERY_ID_COLUMN =
      key("retrieve.query-id-column", "\"query_id\"", "Id column of the queries table");
  public static final ConfigKey RETRIEVE_QUERY_TEXT_COLUMN =
      key("retrieve.query-text-column", "\"text\"", "Text column of the queries table");
  public static final ConfigKey RETRIEVE_QUERY_PREFIX =
      key(
          "retrieve.query-prefix",
          "\"\"",
          "Prepended to every query before embedding (\"query: \")");
  public static final ConfigKey RETRIEVE_METHODS =
      key(
          "retrieve.methods",
          "[\"vector\", \"bm25\", \"hybrid\"]",
          "any of vector (needs embed.model), bm25, hybrid, rerank (needs retrieve.reranker)");
  public static final ConfigKey RETRIEVE_TOP_K =
      key("retrieve.top-k", "10", "Chunks kept per query and method");
  public static final ConfigKey RETRIEVE_BM25_K1 =
      key("retrieve.bm25-k1", "1.2", "BM25 term frequency saturation");
  public static final ConfigKey RETRIEVE_BM25_B =
      key("retrieve.bm25-b", "0.75", "BM25 length normalization, 0 to 1");
  public static final ConfigKey RETRIEVE_RRF_K =
      key("retrieve.rrf-k", "60", "Reciprocal rank fusion constant (hybrid)");
  public static final ConfigKey RETRIEVE_FUSION_DEPTH =
      key("retrieve.fusion-depth", "50", "Hybrid fuses this many vector and BM25 hits per query");

  public static final ConfigKey RETRIEVE_RERANKER =
      key("retrieve.reranker", "\"\"", "Cross-encoder checkpoint folder for the rerank method");
  public static final ConfigKey RETRIEVE_RERANK_DEPTH =
      key(
          "retrieve.rerank-depth",
          "20",
          "rerank re-scores this many hybrid (or BM25, vector) hits");

  public static final ConfigKey INFER_INPUT =
      key(
          "infer.input",
          null,
          "Requests table: JSONL, Parquet or OpenAI batch JSONL (any Hadoop path)");
  public static final ConfigKey INFER_FORMAT =
      key(
          "infer.format",
          "\"jsonl\"",
          "jsonl | parquet | openai-batch (lines of {custom_id, body})");
  public static final ConfigKey INFER_ID_COLUMN =
      key(
          "infer.id-column",
          "\"request_id\"",
          "Request id column; without it ids are hashes of the row's content");
  public static final ConfigKey INFER_MESSAGES_COLUMN =
      key(
          "infer.messages-column",
          "\"\"",
          "Column of ready chat messages (JSON [{role, content}]) instead of a prompt");
  public static final ConfigKey INFER_PROMPT =
      key("infer.prompt", "\"\"", "Prompt folder, or a name under infer.prompts-dir");
  public static final ConfigKey INFER_PROMPTS_DIR =
      key(
          "infer.prompts-dir",
          "\"bundled:prompts\"",
          "Where prompt names are looked up: any Hadoop path, or bundled:prompts (conf/prompts as"
              + " packed in the jar)");
  public static final ConfigKey INFER_MODEL =
      key(
          "infer.model",
          "\"\"",
          "Model alias: a name in infer.routes, or the model of the one route the infer.* keys describe");
  public static final ConfigKey INFER_ROUTES =
      key(
          "infer.routes",
          "\"\"",
          "Routes file (HOCON/YAML): aliases with ordered and weighted routes");
  public static final ConfigKey INFER_PROVIDER =
      key(
          "infer.provider",
          "\"openai\"",
          "Without infer.routes: openai (any OpenAI-compatible server) | anthropic | local (infer.model: a checkpoint folder)");
  public static final ConfigKey INFER_BASE_URL =
      key("infer.base-url", "\"\"", "Without infer.routes: base URL, e.g. http://vllm:8000/v1");
  public static final ConfigKey INFER_API_KEY_ENV =
      key(
          "infer.api-key-env",
          "\"\"",
          "Without infer.routes: environment variable holding the API key");
  public static final ConfigKey INFER_API_KEY_FILE =
      key(
          "infer.api-key-file",
          "\"\"",
          "Without infer.routes: file holding the API key (any Hadoop path)");
  public static final ConfigKey INFER_UNPRICED =
      key(
          "infer.unpriced",
          "false",
          "Without infer.routes: run without a price (self-hosted); rows carry no cost");
  public static final ConfigKey INFER_REQUESTS_PER_MINUTE =
      key(
          "infer.requests-per-minute",
          "0",
          "Without infer.routes: request limit for the whole cluster (0: none)");
  public static final ConfigKey INFER_TOKENS_PER_MINUTE =
      key(
          "infer.tokens-per-minute",
          "0",
          "Without infer.routes: token limit for the whole cluster (0: none)");
  public static final ConfigKey INFER_MAX_CONCURRENCY =
      key("infer.max-concurrency", "8", "Requests in flight per task");
  public static final ConfigKey INFER_PARTITIONS =
      key(
          "infer.partitions",
          "0",
          "Tasks that call models at once (0: Spark's default parallelism); limits are split among them");
  public static final ConfigKey INFER_TIMEOUT_MS =
      key("infer.timeout-ms", "120000", "Timeout of one HTTP call");
  public static final ConfigKey INFER_MAX_ATTEMPTS =
      key("infer.max-attempts", "6", "Attempts per request and route (retriable failures only)");
  public static final ConfigKey INFER_REQUEST_BUDGET_MS =
      key(
          "infer.request-budget-ms",
          "900000",
          "Most time one request may spend on one route, retries and waits included");
  public static final ConfigKey INFER_MAX_TOKENS =
      key("infer.max-tokens", "1024", "max_tokens of requests whose prompt does not set it");
  public static final ConfigKey INFER_CACHE =
      key(
          "infer.cache",
          "\"read-write\"",
          "read-write | read-only | refresh (call again, store) | off");
  public static final ConfigKey INFER_MAX_REPAIRS =
      key(
          "infer.max-repairs",
          "1",
          "Calls that feed a validation error back to the model, per request");
  public static final ConfigKey INFER_PRICES =
      key(
          "infer.prices",
          "\"bundled:prices.conf\"",
          "Price table: any Hadoop path, or bundled:NAME for conf/NAME as packed in the jar");
  public static final ConfigKey INFER_BUDGET_USD =
      key(
          "infer.budget-usd",
          "0",
          "Refuse to start when the worst-case estimate exceeds it, and stop calling at it (0: none)");
  public static final ConfigKey INFER_DRY_RUN =
      key(
          "infer.dry-run",
          "false",
          "Print the plan (requests, cache hits, tokens, cost per route) and call nothing");
  public static final ConfigKey INFER_RAG =
      key(
          "infer.rag",
          "false",
          "Put the run date's retrievals for each request into the prompt's {{context}}");
  public static final ConfigKey INFER_RAG_METHOD =
      key(
          "infer.rag-method",
          "\"hybrid\"",
          "Retrieval method whose chunks are used: vector | bm25 | hybrid | rerank");
  public static final ConfigKey INFER_RAG_QUERY_COLUMN =
      key(
          "infer.rag-query-column",
          "\"\"",
          "Column holding the query id of a request (default: the request id)");
  public static final ConfigKey INFER_RAG_TOP_K =
      key("infer.rag-top-k", "5", "Chunks offered to the context, best first");
  public static final ConfigKey INFER_RAG_BUDGET_TOKENS =
      key(
          "infer.rag-budget-tokens",
          "2000",
          "Tokens of context at most (estimated as characters / 4)");
  public static final ConfigKey EVAL_ANSWERS =
      key(
          "eval.answers",
          "\"\"",
          "Answers to score: a table (Parquet folder or JSONL) with id and output columns (default:"
              + " the run date's inference_results)");
  public static final ConfigKey EVAL_ANSWER_ID_COLUMN =
      key("eval.answer-id-column", "\"request_id\"", "Id column of eval.answers");
  public static final ConfigKey EVAL_OUTPUT_COLUMN =
      key("eval.output-column", "\"output_text\"", "Output column of eval.answers");
  public static final ConfigKey EVAL_SYSTEM_COLUMN =
      key(
          "eval.system-column",
          "\"model\"",
          "Column of eval.answers naming what answered (absent: all answers are one system)");
  public static final ConfigKey EVAL_REFERENCES =
      key(
          "eval.references",
          "\"\"",
          "Reference answers (JSONL or Parquet): id, one answer or a list, optional tags; unset: no"
              + " answer metrics");
  public static final ConfigKey EVAL_REFERENCE_ID_COLUMN =
      key("eval.reference-id-column", "\"id\"", "Id column of eval.references");
  public static final ConfigKey EVAL_REFERENCE_COLUMN =
      key(
          "eval.reference-column",
          "\"answer\"",
          "Reference column of eval.references (a string or a list of strings)");
  public static final ConfigKey EVAL_TAGS_COLUMN =
      key(
          "eval.tags-column",
          "\"tags\"",
          "Column of eval.references with slice tags (a string or a list; optional)");
  public static final ConfigKey EVAL_METRICS =
      key(
          "eval.metrics",
          "[\"exact_match\", \"f1\", \"rougeL\", \"bleu\", \"chrf\"]",
          "Answer metrics: exact_match, f1, rouge1, rouge2, rougeL, rougeLsum, bleu, chrf,"
              + " json_valid");
  public static final ConfigKey EVAL_ROUGE_STEMMER =
      key(
          "eval.rouge-stemmer",
          "false",
          "Porter-stem tokens for ROUGE (rouge-score's use_stemmer)");
  public static final ConfigKey EVAL_ROUGE_MEASURES =
      key(
          "eval.rouge-measures",
          "[\"f\"]",
          "ROUGE measures to report: f (as rougeL), precision (rougeL_precision), recall");
  public static final ConfigKey EVAL_BLEU_TOKENIZE =
      key(
          "eval.bleu-tokenize",
          "\"13a\"",
          "BLEU tokenizer, as sacreBLEU's --tokenize: 13a | intl | zh | char | none");
  public static final ConfigKey EVAL_CHRF_EPS_SMOOTHING =
      key(
          "eval.chrf-eps-smoothing",
          "false",
          "chrF with epsilon smoothing (sacreBLEU's --chrf-eps-smoothing; chrF++.py, NLTK, Moses)");
  public static final ConfigKey EVAL_JUDGMENTS =
      key(
          "eval.judgments",
          "\"\"",
          "Relevance judgments for the run date's retrievals: TREC qrels, or a table with"
              + " query_id and either a list column of relevant ids or (doc_id | chunk_id, relevance)"
              + " rows; unset: no retrieval metrics");
  public static final ConfigKey EVAL_JUDGMENTS_FORMAT =
      key("eval.judgments-format", "\"table\"", "table (JSONL or Parquet) | qrels");
  public static final ConfigKey EVAL_RELEVANT_COLUMN =
      key(
          "eval.relevant-column",
          "\"relevant_doc_ids\"",
          "List column of relevant ids in a judgments table (grade 1 each), when it has one");
  public static final ConfigKey EVAL_LEVEL =
      key(
          "eval.level",
          "\"doc\"",
          "doc (a document counts once, at its best chunk's score) | chunk");
  public static final ConfigKey EVAL_K =
      key("eval.k", "[1, 3, 5, 10]", "Cut-offs of P@k, recall@k, hit@k and nDCG@k");
  public static final ConfigKey EVAL_BOOTSTRAP =
      key("eval.bootstrap", "1000", "Bootstrap resamples for the 95% intervals");
  public static final ConfigKey EVAL_SEED = key("eval.seed", "13", "Seed of the bootstrap");
  public static final ConfigKey EVAL_BASELINE =
      key(
          "eval.baseline",
          "\"\"",
          "Run id of an earlier eval run to compare against (its eval_scores, any date)");
  public static final ConfigKey EVAL_GATE =
      key(
          "eval.gate",
          "[]",
          "Checks that fail the job after writing: \"metric:max-drop\" against the baseline (slice"
              + " all), or \"metric>=min\"");
  public static final ConfigKey EVAL_QUESTION_COLUMN =
      key(
          "eval.question-column",
          "\"text\"",
          "Column of eval.references with the question, for the judge prompt (optional)");
  public static final ConfigKey EVAL_JUDGE_PROMPT =
      key(
          "eval.judge-prompt",
          "\"\"",
          "LLM-as-judge: a prompt folder (a name under infer.prompts-dir, e.g. judge-correctness)"
              + " whose schema has an integer score 1-5; unset: no judge");
  public static final ConfigKey EVAL_JUDGE_MODEL =
      key(
          "eval.judge-model",
          "\"\"",
          "The judge's model alias, called through the infer.* provider settings (routes, keys,"
              + " limits, prices); its cache and ledger live under ROOT/judge");
  public static final ConfigKey EVAL_PAIRWISE =
      key(
          "eval.pairwise",
          "[]",
          "Two systems (values of eval.system-column) to compare answer by answer with the judge"
              + " model, in both orders; []: none");
  public static final ConfigKey EVAL_PAIRWISE_PROMPT =
      key(
          "eval.pairwise-prompt",
          "\"judge-pairwise\"",
          "The pairwise judge's prompt folder; its schema has winner A, B or tie");
  public static final ConfigKey INFER_LOCAL_BATCH =
      key(
          "infer.local.batch",
          "8",
          "local provider: sequences decoded together per executor (KV-cache slots)");
  public static final ConfigKey INFER_LOCAL_MAX_LENGTH =
      key(
          "infer.local.max-length",
          "4096",
          "local provider: tokens per sequence, prompt and answer (capped by the context window)");
  public static final ConfigKey INFER_LOCAL_PROMPT_OVERFLOW =
      key(
          "infer.local.prompt-overflow",
          "\"error\"",
          "local provider, a prompt longer than the window: error (the row's error; a router may"
              + " fall back) | truncate (keep its end)");

  private static final Map<String, ConfigKey> ALL = new LinkedHashMap<>();

  static {
    for (ConfigKey k :
        List.of(
            RUN_DATE,
            RUN_SEED,
            RUN_FORCE,
            OUTPUT_ROOT,
            INGEST_INPUT,
            INGEST_FORMAT,
            INGEST_ID_COLUMN,
            INGEST_TEXT_COLUMN,
            INGEST_TITLE_COLUMN,
            INGEST_MAX_FILE_BYTES,
            INGEST_MAX_CHARS,
            INGEST_MAX_UNDECODABLE_RATIO,
            INGEST_PARTITIONS,
            CHUNK_INPUT,
            CHUNK_STRATEGY,
            CHUNK_SIZE,
            CHUNK_OVERLAP,
            CHUNK_UNIT,
            CHUNK_SEPARATORS,
            CHUNK_KEEP_SEPARATOR,
            CHUNK_TOKENIZER,
            EMBED_INPUT,
            EMBED_MODEL,
            EMBED_ENDPOINT,
            EMBED_ENDPOINT_MODEL,
            EMBED_API_KEY_ENV,
            EMBED_TIMEOUT_MS,
            EMBED_MAX_ATTEMPTS,
            EMBED_BATCH_SIZE,
            EMBED_POOLING,
            EMBED_NORMALIZE,
            EMBED_PASSAGE_PREFIX,
            EMBED_MAX_LENGTH,
            RETRIEVE_QUERIES,
            RETRIEVE_QUERY_FORMAT,
            RETRIEVE_QUERY_ID_COLUMN,
            RETRIEVE_QUERY_TEXT_COLUMN,
            RETRIEVE_QUERY_PREFIX,
            RETRIEVE_METHODS,
            RETRIEVE_TOP_K,
            RETRIEVE_BM25_K1,
            RETRIEVE_BM25_B,
            RETRIEVE_RRF_K,
            RETRIEVE_FUSION_DEPTH,
            RETRIEVE_RERANKER,
            RETRIEVE_RERANK_DEPTH,
            INFER_INPUT,
            INFER_FORMAT,
            INFER_ID_COLUMN,
            INFER_MESSAGES_COLUMN,
            INFER_PROMPT,
            INFER_PROMPTS_DIR,
            INFER_MODEL,
            INFER_ROUTES,
            INFER_PROVIDER,
            INFER_BASE_URL,
            INFER_API_KEY_ENV,
            INFER_API_KEY_FILE,
            INFER_UNPRICED,
            INFER_REQUESTS_PER_MINUTE,
            INFER_TOKENS_PER_MINUTE,
            INFER_MAX_CONCURRENCY,
            INFER_PARTITIONS,
            INFER_TIMEOUT_MS,
            INFER_MAX_ATTEMPTS,
            INFER_REQUEST_BUDGET_MS,
            INFER_MAX_TOKENS,
            INFER_CACHE,
            INFER_MAX_REPAIRS,
            INFER_PRICES,
            INFER_BUDGET_USD,
            INFER_DRY_RUN,
            INFER_RAG,
            INFER_RAG_METHOD,
            INFER_RAG_QUERY_COLUMN,
            INFER_RAG_TOP_K,
            INFER_RAG_BUDGET_TOKENS,
            EVAL_ANSWERS,
            EVAL_ANSWER_ID_COLUMN,
            EVAL_OUTPUT_COLUMN,
            EVAL_SYSTEM_COLUMN,
            EVAL_REFERENCES,
            EVAL_REFERENCE_ID_COLUMN,
            EVAL_REFERENCE_COLUMN,
            EVAL_TAGS_COLUMN,
            EVAL_METRICS,
            EVAL_ROUGE_STEMMER,
            EVAL_ROUGE_MEASURES,
            EVAL_BLEU_TOKENIZE,
            EVAL_CHRF_EPS_SMOOTHING,
            EVAL_JUDGMENTS,
            EVAL_JUDGMENTS_FORMAT,
            EVAL_RELEVANT_COLUMN,
            EVAL_LEVEL,
            EVAL_K,
            EVAL_BOOTSTRAP,
            EVAL_SEED,
            EVAL_BASELINE,
            EVAL_GATE,
            EVAL_QUESTION_COLUMN,
            EVAL_JUDGE_PROMPT,
            EVAL_JUDGE_MODEL,
            EVAL_PAIRWISE,
            EVAL_PAIRWISE_PROMPT,
            INFER_LOCAL_BATCH,
            INFER_LOCAL_MAX_LENGTH,
            INFER_LOCAL_PROMPT_OVERFLOW)) {
      ALL.put(k.name(), k);
    }
  }

  private ConfigKeys() {}

  private static ConfigKey key(String name, String defaultValue, String description) {
    return new ConfigKey(name, defaultValue, description);
  }

  public static Map<String, ConfigKey> all() {
    return ALL;
  }

  /**
   * The keys a job reads (its --help; what a rerun compares to keep a run): its own scope, the
   * shared {@code run} and {@code output} keys, and the scopes it borrows.
   */
  public static List<ConfigKey> forJob(String job) {
    List<String> scopes = new java.util.ArrayList<>(List.of("run", "output", job));
    switch (job) {
        // retrieve embeds its queries with the embed job's model
      case "retrieve" -> scopes.add("embed");
        // eval's judge calls through infer's routes and prices; its similarity embeds
      case "eval" -> scopes.addAll(List.of("infer", "embed"));
      default -> {}
    }
    return ALL.values().stream().filter(k -> scopes.contains(k.scope())).toList();
  }
}
