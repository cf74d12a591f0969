package dev.batchlm.spark;

import java.io.Serializable;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A Java record as Spark rows: the schema, and the one conversion each way. Spark's bean encoder
 * does not read records, so steps pass {@code Dataset<Row>}s of this schema and convert at their
 * edges; a column is named once, by the record component ({@code costUsd} is {@code cost_usd}).
 *
 * <p>Components may be String, boolean, int, long, double (boxed: nullable), Timestamp, {@code
 * List<String>}, {@code long[]} and other records (a struct). Serializable: executor functions hold
 * one.
 */
public final class RecordRows<T extends Record> implements Serializable {
  private static final long serialVersionUID = 1L;

  private final Class<T> type;
  private transient StructType schema;
  private transient MethodHandle[] accessors; // (Object) Object: a reflective call costs more
  private transient Constructor<T> constructor;
  private transient RecordRows<?>[] nested;
  private transient Class<?>[] componentTypes;

  private RecordRows(Class<T> type) {
    this.type = type;
    init();
  }

  public static <T extends Record> RecordRows<T> of(Class<T> type) {
    return new RecordRows<>(type);
  }

  public StructType schema() {
    ready();
    return schema;
  }

  /** The schema's columns, in order: selects this record's columns from a wider row. */
  public Column[] columns() {
    return Arrays.stream(schema().fieldNames()).map(functions::col).toArray(Column[]::new);
  }

  /** The record as one struct column named {@code name}, null where {@code present} is false. */
  public Column struct(Column present, String name) {
    return functions.when(present, functions.struct(columns())).as(name);
  }

  public Row toRow(T value) {
    ready();
    if (value == null) {
      return null;
    }
    Object[] v = new Object[accessors.length];
    for (int i = 0; i < v.length; i++) {
      v[i] = external(get(accessors[i], value), nested[i]);
    }
    return RowFactory.create(v);
  }

  /** The record of a row of exactly this schema (as {@link #rows} makes sure). */
  public T fromRow(Row row) {
    ready();
    if (row == null) {
      return null;
    }
    Object[] v = new Object[accessors.length];
    for (int i = 0; i < v.length; i++) {
      v[i] = internal(row.isNullAt(i) ? null : row.get(i), nested[i], componentTypes[i]);
    }
    try {
      return constructor.newInstance(v);
    } catch (InstantiationException | IllegalAccessException e) {
      throw new IllegalStateException(e);
    } catch (IllegalArgumentException | InvocationTargetException e) { // a null primitive, a check
      throw new IllegalArgumentException(
          "Row " + row + " is not a valid " + type.getSimpleName() + " " + schema.simpleString(),
          e instanceof InvocationTargetException t ? t.getCause() : e);
    }
  }

  public Dataset<Row> dataset(SparkSession spark, JavaRDD<T> records) {
    return spark.createDataFrame(records.map(this::toRow), schema());
  }

  /** The records of {@code rows}, which must hold this record's columns (others are ignored). */
  public JavaRDD<T> rows(Dataset<Row> rows) {
    return rows.select(columns()).javaRDD().map(this::fromRow);
  }

  /**
   * The rows of a struct column that is set, as rows of the struct: a step whose output is one of
   * several records (a result, a repair, a quarantine row) is split by field, never by shape.
   */
  public static Dataset<Row> present(Dataset<Row> rows, String field) {
    return rows.filter(functions.col(field).isNotNull()).select(field + ".*");
  }

  /** {@code costUsd} → {@code cost_usd}. */
  public static String columnName(String component) {
    return component.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
  }

  private void ready() {
    if (accessors == null) {
      init();
    }
  }

  private void init() {
    RecordComponent[] components = type.getRecordComponents();
    StructType s = new StructType();
    MethodHandle[] get = new MethodHandle[components.length];
    RecordRows<?>[] inner = new RecordRows<?>[components.length];
    Class<?>[] types = new Class<?>[components.length];
    for (int i = 0; i < components.length; i++) {
      RecordComponent c = components[i];
      types[i] = c.getType();
      get[i] = accessor(c.getAccessor());
      if (c.getType().isRecord()) {
        inner[i] = new RecordRows<>(c.getType().asSubclass(Record.class));
      }
      s =
          s.add(
              columnName(c.getName()),
              inner[i] != null ? inner[i].schema : sparkType(c),
              !c.getType().isPrimitive());
    }
    try {
      constructor = type.getDeclaredConstructor(types);
      constructor.setAccessible(true);
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException(e);
    }
    schema = s;
    nested = inner;
    componentTypes = types;
    accessors = get;
  }

  private static DataType sparkType(RecordComponent c) {
    Class<?> t = c.getType();
    if (t == String.class) {
      return DataTypes.StringType;
    } else if (t == boolean.class || t == Boolean.class) {
      return DataTypes.BooleanType;
    } else if (t == int.class || t == Integer.class) {
      return DataTypes.IntegerType;
    } else if (t == long.class || t == Long.class) {
      return DataTypes.LongType;
    } else if (t == double.class || t == Double.class) {
      return DataTypes.DoubleType;
    } else if (t == Timestamp.class) {
      return DataTypes.TimestampType;
    } else if (t == List.class && elementIsString(c.getGenericType())) {
      return DataTypes.createArrayType(DataTypes.StringType, false);
    } else if (t == long[].class) {
      return DataTypes.createArrayType(DataTypes.LongType, false);
    }
    throw new IllegalArgumentException(
        c.getDeclaringRecord().getSimpleName() + "." + c.getName() + ": no Spark type for " + t);
  }

  private static boolean elementIsString(Type generic) {
    return generic instanceof ParameterizedType p && p.getActualTypeArguments()[0] == String.class;
  }

  private static MethodHandle accessor(Method m) {
    try {
      m.setAccessible(true);
      return MethodHandles.lookup()
          .unreflect(m)
          .asType(MethodType.methodType(Object.class, Object.class));
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Object get(MethodHandle accessor, Object value) {
    try {
      return (Object) accessor.invokeExact(value);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Object external(Object value, RecordRows<?> nested) {
    if (value == null) {
      return null;
    } else if (nested != null) {
      return ((RecordRows<Record>) nested).toRow((Record) value);
    } else if (value instanceof List<?> list) {
      return list.toArray(new String[0]);
    } else if (value instanceof long[] longs) {
      return Arrays.stream(longs).boxed().toArray(Long[]::new);
    }
    return value;
  }

  private static Object internal(Object value, RecordRows<?> nested, Class<?> target) {
    if (value == null) {
      return null;
    } else if (nested != null) {
      return nested.fromRow((Row) value);
    } else if (target == long[].class) {
      return scala.jdk.javaapi.CollectionConverters.asJava((scala.collection.Seq<?>) value).stream()
          .mapToLong(x -> (Long) x)
          .toArray();
    } else if (value instanceof scala.collection.Seq<?> seq) {
      // unmodifiable, and as read: a table written elsewhere may hold null elements
      return Collections.unmodifiableList(
          new ArrayList<>(scala.jdk.javaapi.CollectionConverters.asJava(seq)));
    }
    return value;
  }
}
