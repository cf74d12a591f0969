package dev.batchlm.retrieve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.lucene.analysis.core.WhitespaceAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.junit.jupiter.api.Test;

/** Our BM25 against Lucene's BM25Similarity (an independent implementation) on the same tokens. */
class Bm25LuceneTest {
  static final String[] WORDS = {
    "tide", "gate", "sensor", "battery", "hall", "solar", "wave", "farm", "price", "night"
  };

  @Test
  void scoresEqualLucenesOnTheSameTokens() throws Exception {
    Random rnd = new Random(9);
    List<List<String>> docs = new ArrayList<>();
    for (int d = 0; d < 60; d++) {
      List<String> terms = new ArrayList<>();
      int len = 1 + rnd.nextInt(30); // Lucene stores lengths exactly below 32 terms
      for (int i = 0; i < len; i++) {
        terms.add(WORDS[(int) Math.min(WORDS.length - 1, Math.abs(rnd.nextGaussian() * 3))]);
      }
      docs.add(terms);
    }
    for (double[] params : new double[][] {{1.2, 0.75}, {0.9, 0.4}, {2.0, 1.0}}) {
      Bm25 bm25 = new Bm25(params[0], params[1]);
      try (ByteBuffersDirectory dir = new ByteBuffersDirectory()) {
        IndexWriterConfig iwc = new IndexWriterConfig(new WhitespaceAnalyzer());
        iwc.setSimilarity(new BM25Similarity((float) params[0], (float) params[1]));
        try (IndexWriter w = new IndexWriter(dir, iwc)) {
          for (int d = 0; d < docs.size(); d++) {
            Document doc = new Document();
            doc.add(new StringField("id", Integer.toString(d), Field.Store.YES));
            doc.add(new TextField("text", String.join(" ", docs.get(d)), Field.Store.NO));
            w.addDocument(doc);
          }
        }
        try (DirectoryReader reader = DirectoryReader.open(dir)) {
          IndexSearcher searcher = new IndexSearcher(reader);
          searcher.setSimilarity(new BM25Similarity((float) params[0], (float) params[1]));
          for (List<String> query :
              List.of(
                  List.of("tide", "gate"), List.of("battery", "night", "wave"), List.of("farm"))) {
            BooleanQuery.Builder q = new BooleanQuery.Builder();
            for (String t : new LinkedHashSet<>(query)) {
              q.add(new TermQuery(new Term("text", t)), BooleanClause.Occur.SHOULD);
            }
            Map<Integer, Double> ours = ourScores(bm25, docs, query);
            ScoreDoc[] hits = searcher.search(q.build(), docs.size()).scoreDocs;
            assertThat(hits.length).isEqualTo(ours.size());
            for (ScoreDoc hit : hits) {
              int id = Integer.parseInt(searcher.storedFields().document(hit.doc).get("id"));
              assertThat(ours.get(id))
                  .as("doc %d query %s", id, query)
                  .isCloseTo(hit.score, within(1e-5 * hit.score));
            }
          }
        }
      }
    }
  }

  static Map<Integer, Double> ourScores(Bm25 bm25, List<List<String>> docs, List<String> query) {
    double avgdl = docs.stream().mapToInt(List::size).average().orElseThrow();
    Map<Integer, Double> scores = new HashMap<>();
    for (String term : new LinkedHashSet<>(query)) {
      long df = docs.stream().filter(d -> d.contains(term)).count();
      double idf = Bm25.idf(df, docs.size());
      for (int d = 0; d < docs.size(); d++) {
        int tf = (int) docs.get(d).stream().filter(term::equals).count();
        if (tf > 0) {
          scores.merge(d, bm25.score(idf, tf, docs.get(d).size(), avgdl), Double::sum);
        }
      }
    }
    return scores;
  }
}
